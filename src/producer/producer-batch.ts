import { restampRecordBatch } from '../protocol/records/index.js';
import type { PendingRecord, ProducerRecord, RecordSink } from './record.js';

export type BatchState = 'encoding' | 'ready' | 'in-flight' | 'done';

/**
 * What reporting needs of a batch's records, in compact per-batch arrays, so the records
 * themselves can be let go once the batch is encoded: a batch may wait and be in flight for a
 * while, and every object still alive is copied by each young-generation GC.
 */
export class Receipts {
  /**
   * The records themselves, only where their sink wants them or they carry a context; null
   * when no record of the batch needs keeping.
   */
  readonly sources: Array<ProducerRecord | null> | null = null;
  readonly indices: Int32Array;
  readonly timestamps: Float64Array;
  /** Runs of records sharing a sink and a flush epoch (mostly one per send() call). */
  readonly runEnds: number[] = [];
  readonly runSinks: RecordSink[] = [];
  readonly runEpochs: number[] = [];

  constructor(records: readonly PendingRecord[]) {
    const n = records.length;
    this.indices = new Int32Array(n);
    this.timestamps = new Float64Array(n);
    let sink: RecordSink | null = null;
    let epoch = -1;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (r.sink.wantsRecord === true || r.source.context !== undefined) {
        (this.sources ??= new Array<ProducerRecord | null>(n).fill(null))[i] = r.source;
      }
      this.indices[i] = r.index;
      this.timestamps[i] = r.timestamp;
      if (r.sink !== sink || r.epoch !== epoch) {
        if (i > 0) this.runEnds.push(i);
        sink = r.sink;
        epoch = r.epoch;
        this.runSinks.push(sink);
        this.runEpochs.push(epoch);
      }
    }
    if (n > 0) this.runEnds.push(n);
  }

  get count(): number {
    return this.indices.length;
  }
}

/** A closed batch of one partition on its way to the broker, possibly several times. */
export class ProducerBatch {
  state: BatchState = 'encoding';
  encoded: Buffer | null = null;
  /** Sends so far; the first is attempt 1. */
  attempts = 0;
  /** Not to be sent again before this time (retry backoff). */
  retryAt = 0;
  readonly bytes: number;
  /** Tells every record its outcome and frees the batch's memory (set by the producer). */
  reporter: ((batch: ProducerBatch, error: Error | null, baseOffset: bigint, logAppendTime: number) => void) | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The records until they are encoded; null after (reporting uses `receipts`). */
    public records: PendingRecord[] | null,
    readonly receipts: Receipts,
    readonly createdAt: number,
    /** Idempotent sequence of the first record, -1 without idempotence. */
    public baseSequence: number,
    public producerId: bigint,
    public producerEpoch: number,
    readonly transactional: boolean,
    bytes?: number,
  ) {
    if (bytes === undefined) {
      bytes = 0;
      for (const r of records ?? []) bytes += r.size;
    }
    this.bytes = bytes;
  }

  /** Records in the batch. */
  get count(): number {
    return this.receipts.count;
  }

  /**
   * Moves an encoded, unsent batch to a new producer identity and sequence (after an epoch
   * bump): its bytes are rewritten rather than re-encoded, since the records are gone by now.
   */
  restamp(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    if (this.encoded !== null) restampRecordBatch(this.encoded, producerId, producerEpoch, baseSequence);
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    // the old stamp's retries are over: the new one may go at once
    this.retryAt = 0;
  }

  /** Reports the outcome to every record, once, through the producer's reporter. */
  complete(error: Error | null, baseOffset: bigint, logAppendTime: number): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.reporter?.(this, error, baseOffset, logAppendTime);
  }
}

import { merge, Observable, Subject, type SchedulerLike, type Subscriber } from 'rxjs';
import { KafkaError } from '../errors.js';
import { batch } from '../operators/batch.js';
import { RecordsWriter, type BufferSource, type EncodedRecords } from '../protocol/records/index.js';
import { ReceiptsWriter, type Receipts } from './receipts.js';
import type { PendingRecord } from './record.js';

/** A partition's open batch: its records encoded so far, their receipts, and its triggers. */
interface Lane {
  topic: string;
  partition: number;
  /** Reached by the run being placed (closingTouched). */
  touched: boolean;
  /**
   * The batch pipeline's input. What flows through operators/batch is each record's size:
   * the operator decides when a batch closes (lingerMs, batchBytes, flush), while the record
   * itself is already encoded into `writer`.
   */
  input: Subscriber<number>;
  /** Closes this lane's open batch alone. */
  close: Subject<void>;
  writer: RecordsWriter;
  receipts: ReceiptsWriter;
  /** Bytes held in the open batch, as operators/batch counts them. */
  bytes: number;
}

/** A closed batch: its records encoded (header still to come), receipts, and memory share. */
export type BatchHandler = (topic: string, partition: number, records: EncodedRecords, receipts: Receipts, bytes: number) => void;

/**
 * Per-partition accumulation: each partition's records pass through operators/batch, which
 * closes a batch at batchBytes or lingerMs after its first record, or on flush. A record is
 * encoded into its partition's open batch as it arrives, so it is not kept until the close.
 */
export class Accumulator {
  /** Lanes by topic, then by partition (no per-record key building). */
  private readonly lanes = new Map<string, Array<Lane | undefined>>();
  private readonly flushes = new Subject<void>();
  /** The last topic's lanes: records mostly come in runs of one topic. */
  private lastTopic: string | null = null;
  private lastLanes: Array<Lane | undefined> = [];
  /** While a run is placed: the lanes it reached. */
  private touched: Lane[] | null = null;

  constructor(
    private readonly batchBytes: number,
    private readonly lingerMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly onBatch: BatchHandler,
    /** Where the batches' buffers come from. */
    private readonly buffers: BufferSource,
  ) {}

  private topicLanes(topic: string): Array<Lane | undefined> {
    if (topic === this.lastTopic) return this.lastLanes;
    let topicLanes = this.lanes.get(topic);
    if (topicLanes === undefined) {
      topicLanes = [];
      this.lanes.set(topic, topicLanes);
    }
    this.lastTopic = topic;
    this.lastLanes = topicLanes;
    return topicLanes;
  }

  private lane(topic: string, partition: number): Lane {
    const topicLanes = this.topicLanes(topic);
    const lane = topicLanes[partition] ?? this.open(topicLanes, topic, partition);
    if (this.touched !== null && !lane.touched) {
      lane.touched = true;
      this.touched.push(lane);
    }
    return lane;
  }

  /**
   * Runs `place` (which adds one run of records), then closes the open batches it added to
   * whose partition `mayClose` (its batch would go at once).
   */
  closingTouched<T>(place: () => T, mayClose: (topic: string, partition: number) => boolean): T {
    if (this.touched !== null) return place();
    this.touched = [];
    try {
      return place();
    } finally {
      const lanes = this.touched;
      this.touched = null;
      for (const lane of lanes) {
        lane.touched = false;
        if (lane.bytes > 0 && mayClose(lane.topic, lane.partition)) lane.close.next();
      }
    }
  }

  /**
   * Appends a record to the partition's open batch; false, without appending it, when it would
   * overflow that batch: then the batch is closed, and the caller places the record again
   * (sticky partitioning moves on a closed batch, KIP-480; otherwise it lands in a new batch
   * of the same partition). operators/batch would itself close the batch on such a record's
   * arrival, but only after the writer had taken it; closing first keeps the two in step.
   */
  addOne(topic: string, partition: number, record: PendingRecord): boolean {
    const lane = this.lane(topic, partition);
    if (this.overflows(lane, record.size)) {
      this.closeOpen(lane);
      return false;
    }
    this.append(lane, record);
    lane.input.next(record.size);
    return true;
  }

  /**
   * addOne for records `from`..`to`-1 of one topic, handed to operators/batch as one item (their
   * summed size); returns the index of the first that would overflow the batch (which is then
   * closed), `to` when all are in.
   */
  addRun(topic: string, partition: number, records: readonly PendingRecord[], from: number, to: number): number {
    const lane = this.lane(topic, partition);
    let bytes = 0;
    let i = from;
    for (; i < to; i++) {
      const r = records[i];
      if (this.overflows(lane, r.size)) break;
      this.append(lane, r);
      bytes += r.size;
    }
    if (bytes > 0) lane.input.next(bytes);
    if (i < to) this.closeOpen(lane);
    return i;
  }

  /** Closes the lane's open batch; callers place the record again, so it must really close. */
  private closeOpen(lane: Lane): void {
    lane.close.next();
    if (lane.bytes > 0) throw new KafkaError('internal: a partition batch did not close (its pipeline has ended)');
  }

  private overflows(lane: Lane, size: number): boolean {
    return lane.bytes > 0 && lane.bytes + size > this.batchBytes;
  }

  private append(lane: Lane, r: PendingRecord): void {
    lane.writer.append(r.key, r.value, r.headers, r.timestamp);
    lane.receipts.add(r);
    lane.bytes += r.size;
  }

  /**
   * A lane's pipeline fed through its own subscriber rather than a Subject: a Subject's next()
   * allocates a closure per item (its error context) and copies its observer list; here
   * there is one observer, always.
   */
  private open(topicLanes: Array<Lane | undefined>, topic: string, partition: number): Lane {
    const close = new Subject<void>();
    const writer = new RecordsWriter(Math.min(this.batchBytes, 1 << 16), this.buffers);
    const receipts = new ReceiptsWriter();
    let input: Subscriber<number> | undefined;
    new Observable<number>((subscriber) => {
      input = subscriber;
    })
      .pipe(batch<number>({ maxBytes: this.batchBytes, sizeOf: (size) => size, lingerMs: this.lingerMs, flush$: merge(this.flushes, close), scheduler: this.scheduler }))
      .subscribe(() => {
        const records = writer.finish();
        if (records === null) return;
        const bytes = lane.bytes;
        lane.bytes = 0;
        this.onBatch(topic, partition, records, receipts.finish(), bytes);
      });
    // a batch can only close once records are in, which is after this
    const lane: Lane = { topic, partition, touched: false, input: input as Subscriber<number>, close, writer, receipts, bytes: 0 };
    topicLanes[partition] = lane;
    return lane;
  }

  /** Closes the partition's open batch now, if it holds records. */
  closeHeld(topic: string, partition: number): void {
    const lane = this.lanes.get(topic)?.[partition];
    if (lane !== undefined && lane.bytes > 0) lane.close.next();
  }

  /** Closes every held batch now. */
  flush(): void {
    this.flushes.next();
  }

  close(): void {
    for (const topicLanes of this.lanes.values()) for (const lane of topicLanes) lane?.input.complete();
    this.lanes.clear();
    this.lastTopic = null;
    this.flushes.complete();
  }
}

import { merge, Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { batch } from '../operators/batch.js';
import { RecordsWriter, type EncodedRecords } from '../protocol/records/index.js';
import { ReceiptsWriter, type Receipts } from './receipts.js';
import type { PendingRecord } from './record.js';

/** A partition's open batch: its records encoded so far, their receipts, and its triggers. */
interface Lane {
  /**
   * The batch pipeline's input. What flows through operators/batch is each record's size:
   * the operator decides when a batch closes (lingerMs, batchBytes, flush), while the record
   * itself is already encoded into `writer`.
   */
  input: Subscriber<number>;
  sub: Subscription;
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

  constructor(
    private readonly batchBytes: number,
    private readonly lingerMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly onBatch: BatchHandler,
  ) {}

  /** True when `size` more bytes would close the open batch of the partition and start another. */
  wouldOverflow(topic: string, partition: number, size: number): boolean {
    const lane = this.topicLanes(topic)[partition];
    return lane !== undefined && lane.bytes > 0 && lane.bytes + size > this.batchBytes;
  }

  /** Closes the partition's open batch now, if it has one. */
  closeBatch(topic: string, partition: number): void {
    this.lanes.get(topic)?.[partition]?.close.next();
  }

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

  add(record: PendingRecord): void {
    const topicLanes = this.topicLanes(record.topic);
    const lane = topicLanes[record.partition] ?? this.open(topicLanes, record.topic, record.partition);
    // operators/batch would close the batch on this record's arrival, before holding it; the
    // record must not be in the writer by then, so the overflow close is made here, first.
    if (lane.bytes > 0 && lane.bytes + record.size > this.batchBytes) lane.close.next();
    lane.writer.append(record.key, record.value, record.headers, record.timestamp);
    lane.receipts.add(record);
    lane.bytes += record.size;
    lane.input.next(record.size);
  }

  /**
   * Appends records `from`..`to`-1 (all of `topic`) to the partition's open batch, handing
   * operators/batch their summed size as one item, until one would overflow the batch: that one
   * closes it and its index is returned, so the caller can move the rest (sticky partitioning,
   * KIP-480); `to` when all are in. The run is cut there so that operators/batch never meets
   * an item that overflows what it holds, which would close the batch without the records
   * already in the writer.
   */
  addRun(topic: string, partition: number, records: readonly PendingRecord[], from: number, to: number): number {
    const topicLanes = this.topicLanes(topic);
    const lane = topicLanes[partition] ?? this.open(topicLanes, topic, partition);
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const r = records[i];
      if (lane.bytes > 0 && lane.bytes + r.size > this.batchBytes) {
        if (bytes > 0) lane.input.next(bytes);
        lane.close.next();
        return i;
      }
      lane.writer.append(r.key, r.value, r.headers, r.timestamp);
      lane.receipts.add(r);
      lane.bytes += r.size;
      bytes += r.size;
    }
    if (bytes > 0) lane.input.next(bytes);
    return to;
  }

  /**
   * A lane's pipeline fed through its own subscriber rather than a Subject: a Subject's next()
   * allocates a closure per item (its error context) and copies its observer list; here
   * there is one observer, always.
   */
  private open(topicLanes: Array<Lane | undefined>, topic: string, partition: number): Lane {
    let input: Subscriber<number> | undefined;
    const close = new Subject<void>();
    const sizes = new Observable<number>((subscriber) => {
      input = subscriber;
    });
    const lane: Lane = {
      input: undefined as unknown as Subscriber<number>,
      sub: undefined as unknown as Subscription,
      close,
      writer: new RecordsWriter(Math.min(this.batchBytes, 1 << 16)),
      receipts: new ReceiptsWriter(),
      bytes: 0,
    };
    lane.sub = sizes
      .pipe(batch<number>({ maxBytes: this.batchBytes, sizeOf: (size) => size, lingerMs: this.lingerMs, flush$: merge(this.flushes, close), scheduler: this.scheduler }))
      .subscribe(() => {
        const records = lane.writer.finish();
        if (records === null) return;
        const bytes = lane.bytes;
        lane.bytes = 0;
        this.onBatch(topic, partition, records, lane.receipts.finish(), bytes);
      });
    lane.input = input as Subscriber<number>;
    topicLanes[partition] = lane;
    return lane;
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

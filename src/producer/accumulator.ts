import { merge, Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { batch } from '../operators/batch.js';
import type { PendingRecord } from './record.js';

interface Lane {
  /** The lane's input: records are pushed straight into the batch pipeline's subscriber. */
  input: Subscriber<PendingRecord>;
  sub: Subscription;
  /** Closes this lane's held batch alone. */
  close: Subject<void>;
  /** Bytes held in the open batch, as operators/batch counts them. */
  bytes: number;
}

/**
 * Per-partition accumulation: each partition's records pass through operators/batch, which
 * closes a batch at batchBytes or lingerMs after its first record, or on flush.
 */
export class Accumulator {
  /** Lanes by topic, then by partition (no per-record key building). */
  private readonly lanes = new Map<string, Array<Lane | undefined>>();
  private readonly flushes = new Subject<void>();

  constructor(
    private readonly batchBytes: number,
    private readonly lingerMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly onBatch: (topic: string, partition: number, records: PendingRecord[], bytes: number) => void,
  ) {}

  /** True when `size` more bytes would close the open batch of the partition and start another. */
  wouldOverflow(topic: string, partition: number, size: number): boolean {
    const lane = this.lanes.get(topic)?.[partition];
    return lane !== undefined && lane.bytes > 0 && lane.bytes + size > this.batchBytes;
  }

  /** Closes the partition's open batch now, if it has one. */
  closeBatch(topic: string, partition: number): void {
    this.lanes.get(topic)?.[partition]?.close.next();
  }

  add(record: PendingRecord): void {
    let topicLanes = this.lanes.get(record.topic);
    if (topicLanes === undefined) {
      topicLanes = [];
      this.lanes.set(record.topic, topicLanes);
    }
    const lane = topicLanes[record.partition] ?? this.open(topicLanes, record.topic, record.partition);
    lane.bytes += record.size;
    lane.input.next(record);
  }

  /**
   * A lane's pipeline fed through its own subscriber rather than a Subject: a Subject's next()
   * allocates a closure per record (its error context) and copies its observer list; here
   * there is one observer, always.
   */
  private open(topicLanes: Array<Lane | undefined>, topic: string, partition: number): Lane {
    let input: Subscriber<PendingRecord> | undefined;
    const close = new Subject<void>();
    const lane: Lane = { input: undefined as unknown as Subscriber<PendingRecord>, sub: undefined as unknown as Subscription, close, bytes: 0 };
    lane.sub = new Observable<PendingRecord>((subscriber) => {
      input = subscriber;
    })
      .pipe(
        batch<PendingRecord>({
          maxBytes: this.batchBytes,
          sizeOf: (r) => r.size,
          lingerMs: this.lingerMs,
          flush$: merge(this.flushes, close),
          scheduler: this.scheduler,
        }),
      )
      .subscribe((records) => {
        let bytes = 0;
        for (let i = 0; i < records.length; i++) bytes += records[i].size;
        lane.bytes -= bytes;
        this.onBatch(topic, partition, records, bytes);
      });
    lane.input = input as Subscriber<PendingRecord>;
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
    this.flushes.complete();
  }
}

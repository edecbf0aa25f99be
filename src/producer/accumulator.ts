import { Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { batch } from '../operators/batch.js';
import type { PendingRecord } from './record.js';

interface Lane {
  /** The lane's input: records are pushed straight into the batch pipeline's subscriber. */
  input: Subscriber<PendingRecord>;
  sub: Subscription;
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
    private readonly onBatch: (topic: string, partition: number, records: PendingRecord[]) => void,
  ) {}

  add(record: PendingRecord): void {
    let topicLanes = this.lanes.get(record.topic);
    if (topicLanes === undefined) {
      topicLanes = [];
      this.lanes.set(record.topic, topicLanes);
    }
    const lane = topicLanes[record.partition] ?? this.open(topicLanes, record.topic, record.partition);
    lane.input.next(record);
  }

  /**
   * A lane's pipeline fed through its own subscriber rather than a Subject: a Subject's next()
   * allocates a closure per record (its error context) and copies its observer list; here
   * there is one observer, always.
   */
  private open(topicLanes: Array<Lane | undefined>, topic: string, partition: number): Lane {
    let input: Subscriber<PendingRecord> | undefined;
    const sub = new Observable<PendingRecord>((subscriber) => {
      input = subscriber;
    })
      .pipe(
        batch<PendingRecord>({
          maxBytes: this.batchBytes,
          sizeOf: (r) => r.size,
          lingerMs: this.lingerMs,
          flush$: this.flushes,
          scheduler: this.scheduler,
        }),
      )
      .subscribe((records) => this.onBatch(topic, partition, records));
    const lane = { input: input as Subscriber<PendingRecord>, sub };
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

import { Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { batch } from '../operators/batch.js';
import type { PendingRecord } from './record.js';

/**
 * Per-partition accumulation: each partition's records pass through operators/batch, which
 * closes a batch at batchBytes or lingerMs after its first record, or on flush.
 */
export class Accumulator {
  /** Lanes by topic, then by partition (no per-record key building). */
  private readonly lanes = new Map<string, Array<{ input: Subject<PendingRecord>; sub: Subscription } | undefined>>();
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
    let lane = topicLanes[record.partition];
    if (lane === undefined) {
      const input = new Subject<PendingRecord>();
      const { topic, partition } = record;
      const sub = input
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
      lane = { input, sub };
      topicLanes[record.partition] = lane;
    }
    lane.input.next(record);
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

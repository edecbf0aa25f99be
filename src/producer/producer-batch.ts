import type { PendingRecord } from './record.js';

export type BatchState = 'encoding' | 'ready' | 'in-flight' | 'done';

/** A closed batch of one partition on its way to the broker, possibly several times. */
export class ProducerBatch {
  state: BatchState = 'encoding';
  encoded: Buffer | null = null;
  /** Sends so far; the first is attempt 1. */
  attempts = 0;
  /** Not to be sent again before this time (retry backoff). */
  retryAt = 0;
  readonly bytes: number;
  /** Runs once after every record heard its outcome (the producer frees the batch's memory). */
  onDone: ((batch: ProducerBatch) => void) | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly records: PendingRecord[],
    readonly createdAt: number,
    /** Idempotent sequence of the first record, -1 without idempotence. */
    readonly baseSequence: number,
    readonly producerId: bigint,
    readonly producerEpoch: number,
    readonly transactional: boolean,
  ) {
    let bytes = 0;
    for (const r of records) bytes += r.size;
    this.bytes = bytes;
  }

  /** Reports the outcome to every record, once. */
  complete(error: Error | null, baseOffset: bigint, logAppendTime: number): void {
    if (this.state === 'done') return;
    this.state = 'done';
    try {
      this.report(error, baseOffset, logAppendTime);
    } finally {
      this.onDone?.(this);
    }
  }

  private report(error: Error | null, baseOffset: bigint, logAppendTime: number): void {
    const records = this.records;
    if (error !== null) {
      for (const r of records) r.done(error, null);
      return;
    }
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      r.done(null, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: logAppendTime >= 0 ? logAppendTime : r.timestamp,
        context: r.context,
      });
    }
  }
}

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
  /** Tells every record its outcome and frees the batch's memory (set by the producer). */
  reporter: ((batch: ProducerBatch, error: Error | null, baseOffset: bigint, logAppendTime: number) => void) | null = null;

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

  /** Reports the outcome to every record, once, through the producer's reporter. */
  complete(error: Error | null, baseOffset: bigint, logAppendTime: number): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.reporter?.(this, error, baseOffset, logAppendTime);
  }
}

import { safeBigInt } from '../protocol/safe-bigint.js';
import type { Receipts } from './receipts.js';

/**
 * Where the records of one acknowledged batch landed: the broker's answer and the batch's
 * receipts, from which each record's offset and timestamp are read when its metadata is made.
 * One per acknowledged batch, so a sink can keep it instead of an object per record.
 */
export class BatchAck {
  /** The base offset as a double, exact wherever offsets are (below 2^53). */
  private readonly base: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly receipts: Receipts,
    /** -1n when the broker does not say (acks 0). */
    readonly baseOffset: bigint,
    /** The broker's LogAppendTime, or -1 where each record keeps its own timestamp. */
    readonly logAppendTime: number,
  ) {
    this.base = Number(baseOffset);
  }

  /** The offset of the batch's record `k` (-1n when not known). */
  offsetAt(k: number): bigint {
    if (this.base < 0) return -1n;
    // one BigInt made per record, from a double wherever that is exact (always, in practice)
    return this.base + k <= Number.MAX_SAFE_INTEGER ? safeBigInt(this.base + k) : this.baseOffset + BigInt(k);
  }

  /** The timestamp the batch's record `k` is stored with. */
  timestampAt(k: number): number {
    return this.logAppendTime >= 0 ? this.logAppendTime : this.receipts.timestamps[k];
  }
}

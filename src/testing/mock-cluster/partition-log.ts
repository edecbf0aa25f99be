import { Subject } from 'rxjs';
import { recordBatchInfo, type KafkaRecord, type RecordBatchInfo } from '../../protocol/records/index.js';

/** One record batch as stored: its bytes (base offset already assigned) and header facts. */
export interface StoredBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly bytes: Buffer;
  readonly info: RecordBatchInfo;
  /** The time the broker appended it (for log-append-time topics and ListOffsets). */
  readonly appendTime: number;
  /**
   * Its records, for batches only the async decoder reads (zstd): decoded once on append so
   * MockCluster.records() can stay synchronous.
   */
  decoded?: KafkaRecord[];
}

/** Offsets of the first batch `read` must return, by binary search over stored batches. */
function firstBatchAtOrAfter(batches: readonly StoredBatch[], offset: bigint): number {
  let lo = 0;
  let hi = batches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (batches[mid].lastOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const BASE_OFFSET_AT = 0;
const LEADER_EPOCH_AT = 12;

/**
 * The log of one partition. Batches are kept as the producer sent them (a broker never
 * re-encodes v2 batches); only the base offset and partition leader epoch, which sit outside
 * the CRC, are written in. Every append is announced on `appended$` (long-polling fetches
 * wait on it).
 */
export class PartitionLog {
  private readonly stored: StoredBatch[] = [];
  private start = 0n;
  private end = 0n;
  readonly appended$ = new Subject<void>();

  get logStartOffset(): bigint {
    return this.start;
  }

  /** Offset the next record gets; with instant replication, also the high watermark. */
  get logEndOffset(): bigint {
    return this.end;
  }

  /** First offset of a transaction still open; read_committed consumers stop below it. */
  get lastStableOffset(): bigint {
    return this.end;
  }

  /** Aborted transactions overlapping [from, upTo), for read_committed fetches. */
  abortedTransactions(_from: bigint, _upTo: bigint): Array<{ producerId: bigint; firstOffset: bigint }> {
    return [];
  }

  get batches(): readonly StoredBatch[] {
    return this.stored;
  }

  /** Appends one v2 batch (CRC already checked by the caller through `recordBatchInfo`). */
  append(bytes: Buffer, info: RecordBatchInfo, leaderEpoch: number, now: number): StoredBatch {
    const copy = Buffer.from(bytes); // the request buffer is not ours to keep
    const baseOffset = this.end;
    copy.writeBigInt64BE(baseOffset, BASE_OFFSET_AT);
    copy.writeInt32BE(leaderEpoch, LEADER_EPOCH_AT);
    const stored: StoredBatch = {
      baseOffset,
      lastOffset: baseOffset + BigInt(info.lastOffsetDelta),
      bytes: copy,
      info: { ...info, baseOffset, partitionLeaderEpoch: leaderEpoch },
      appendTime: now,
    };
    this.stored.push(stored);
    this.end = stored.lastOffset + 1n;
    this.appended$.next();
    return stored;
  }

  /**
   * Whole batches holding offsets from `offset` up to (not including) `upTo`, at most
   * `maxBytes` of them, but always the first one even when larger (so a consumer can make
   * progress, as Kafka does).
   */
  read(offset: bigint, maxBytes: number, upTo: bigint = this.end): StoredBatch[] {
    const out: StoredBatch[] = [];
    let bytes = 0;
    for (let i = firstBatchAtOrAfter(this.stored, offset); i < this.stored.length; i++) {
      const b = this.stored[i];
      if (b.baseOffset >= upTo) break;
      if (out.length > 0 && bytes + b.bytes.length > maxBytes) break;
      out.push(b);
      bytes += b.bytes.length;
    }
    return out;
  }

  /** Drops whole batches below `offset` and moves the log start there (DeleteRecords). */
  truncateBefore(offset: bigint): void {
    const target = offset > this.end ? this.end : offset;
    if (target <= this.start) return;
    this.start = target;
    while (this.stored.length > 0 && this.stored[0].lastOffset < target) this.stored.shift();
  }

  /** First offset whose batch has a max timestamp >= `timestamp`, or null (ListOffsets). */
  offsetForTimestamp(timestamp: number): { offset: bigint; timestamp: number } | null {
    for (const b of this.stored) {
      if (b.info.maxTimestamp >= timestamp && b.lastOffset >= this.start) {
        const offset = b.baseOffset > this.start ? b.baseOffset : this.start;
        return { offset, timestamp: b.info.maxTimestamp };
      }
    }
    return null;
  }
}

/** Splits a produce payload into its v2 batches, checking each header and CRC. */
export function splitBatches(records: Buffer): Array<{ bytes: Buffer; info: RecordBatchInfo }> {
  const out: Array<{ bytes: Buffer; info: RecordBatchInfo }> = [];
  let at = 0;
  while (at < records.length) {
    const info = recordBatchInfo(records, at);
    out.push({ bytes: records.subarray(at, at + info.byteLength), info });
    at += info.byteLength;
  }
  return out;
}

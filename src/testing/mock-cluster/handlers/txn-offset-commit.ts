import { ErrorCode } from '../../../protocol/error-codes.js';
import { TxnOffsetCommit, type Input, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';

function shaped(request: TxnOffsetCommitRequest, code: (topic: string, partition: number) => number): Input<TxnOffsetCommitResponse> {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })),
    })),
  };
}

/**
 * Sent to the group's coordinator: the offsets wait in the transaction (which must have added
 * the group through AddOffsetsToTxn) and reach the group's committed offsets on commit only.
 */
function txnOffsetCommit(request: TxnOffsetCommitRequest, ctx: RequestContext): Input<TxnOffsetCommitResponse> {
  const { cluster } = ctx;
  if (cluster.coordinatorFor(request.groupId) !== ctx.broker) return shaped(request, () => ErrorCode.NOT_COORDINATOR);
  const coordinator = cluster.transactions;
  // Kafka's group coordinator sees an old epoch as the offsets log refusing the write.
  const v = coordinator.validate(request.transactionalId, request.producerId, request.producerEpoch, ErrorCode.INVALID_PRODUCER_EPOCH);
  if (v.txn === undefined) {
    const code = v.errorCode;
    return shaped(request, () => code);
  }
  const txn = v.txn;
  if (txn.state !== 'Ongoing' || !txn.groups.has(request.groupId)) return shaped(request, () => ErrorCode.INVALID_TXN_STATE);
  const now = cluster.now();
  const codes = new Map<string, number>();
  for (const t of request.topics) {
    for (const p of t.partitions) {
      if (cluster.partition(t.name, p.partitionIndex) === undefined) {
        codes.set(`${t.name}:${p.partitionIndex}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      coordinator.stageOffset(txn, request.groupId, t.name, p.partitionIndex, {
        offset: p.committedOffset,
        // committedLeaderEpoch exists from v2 and decodes as -1 below it
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
        commitTime: now,
      });
    }
  }
  return shaped(request, (topic, partition) => codes.get(`${topic}:${partition}`) ?? 0);
}

export const txnOffsetCommitHandler = defineHandler(TxnOffsetCommit, { min: 0, max: 4 }, txnOffsetCommit, (request, code) => shaped(request, () => code));

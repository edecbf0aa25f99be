import { ErrorCode } from '../../../protocol/error-codes.js';
import { AddOffsetsToTxn } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

/** Adds a consumer group's offsets (its offsets partition, in Kafka) to the open transaction. */
export const addOffsetsToTxnHandler = defineHandler(AddOffsetsToTxn, { min: 0, max: 4 }, (request, ctx) => {
  const answer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode });
  if (ctx.cluster.coordinatorFor(request.transactionalId) !== ctx.broker) return answer(ErrorCode.NOT_COORDINATOR);
  if (request.groupId === '') return answer(ErrorCode.INVALID_REQUEST);
  const coordinator = ctx.cluster.transactions;
  const fenced = ctx.apiVersion >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
  const v = coordinator.validate(request.transactionalId, request.producerId, request.producerEpoch, fenced);
  if (v.txn === undefined) return answer(v.errorCode);
  coordinator.addGroup(v.txn, request.groupId);
  return answer(0);
});

import { ErrorCode } from '../../../protocol/error-codes.js';
import { EndTxn, type EndTxnRequest, type EndTxnResponse, type Input } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** v5 bumps the epoch at the end of every transaction (KIP-890) and answers the new one. */
const BUMPS_EPOCH_FROM = 5;

function endTxn(request: EndTxnRequest, ctx: RequestContext): Input<EndTxnResponse> {
  const answer = (errorCode: number, producerId = -1n, producerEpoch = -1) => ({ throttleTimeMs: 0, errorCode, producerId, producerEpoch });
  if (ctx.cluster.coordinatorFor(request.transactionalId) !== ctx.broker) return answer(ErrorCode.NOT_COORDINATOR);
  const coordinator = ctx.cluster.transactions;
  const fenced = ctx.apiVersion >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
  const v = coordinator.validate(request.transactionalId, request.producerId, request.producerEpoch, fenced);
  if (v.txn === undefined) {
    const retried = ctx.apiVersion >= BUMPS_EPOCH_FROM
      ? coordinator.isEndRetry(request.transactionalId, request.producerId, request.producerEpoch, request.committed)
      : undefined;
    return retried ? answer(0, retried.producerId, retried.epoch) : answer(v.errorCode);
  }
  const errorCode = coordinator.end(v.txn, request.committed, ctx.apiVersion >= BUMPS_EPOCH_FROM);
  return errorCode === 0 ? answer(0, v.txn.producerId, v.txn.epoch) : answer(errorCode);
}

export const endTxnHandler = defineHandler(EndTxn, { min: 0, max: 5 }, endTxn);

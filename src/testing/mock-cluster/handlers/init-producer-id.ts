import { ErrorCode } from '../../../protocol/error-codes.js';
import { InitProducerId, type InitProducerIdRequest, type InitProducerIdResponse, type Input } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { MAX_TRANSACTION_TIMEOUT_MS } from '../transaction-coordinator.js';

const fail = (errorCode: number): Input<InitProducerIdResponse> => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });

const MAX_EPOCH = 32766;

/**
 * Without a transactional id: a fresh producer id at epoch 0, from any broker; or, from v3, the
 * epoch of the producer id the client names bumped (KIP-360: an idempotent producer that lost a
 * batch starts its sequences again). With one: only its coordinator answers, with the same
 * producer id and a bumped epoch for every new producer.
 */
function initProducerId(request: InitProducerIdRequest, ctx: RequestContext): Input<InitProducerIdResponse> {
  const coordinator = ctx.cluster.transactions;
  const id = request.transactionalId;
  if (id === null) {
    if (ctx.apiVersion >= 3 && request.producerId >= 0n && request.producerEpoch >= 0 && request.producerEpoch < MAX_EPOCH) {
      return { throttleTimeMs: 0, errorCode: 0, producerId: request.producerId, producerEpoch: request.producerEpoch + 1 };
    }
    return { throttleTimeMs: 0, errorCode: 0, producerId: coordinator.allocateProducerId(), producerEpoch: 0 };
  }
  if (id === '') return fail(ErrorCode.INVALID_REQUEST);
  if (ctx.cluster.coordinatorFor(id) !== ctx.broker) return fail(ErrorCode.NOT_COORDINATOR);
  if (request.transactionTimeoutMs <= 0 || request.transactionTimeoutMs > MAX_TRANSACTION_TIMEOUT_MS) {
    return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  }
  const fenced = ctx.apiVersion >= 4 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
  // producerId/producerEpoch exist from v3 and decode as -1 below it
  const expected = { producerId: request.producerId, epoch: request.producerEpoch };
  return { throttleTimeMs: 0, ...coordinator.initProducer(id, request.transactionTimeoutMs, expected, fenced) };
}

export const initProducerIdHandler = defineHandler(InitProducerId, { min: 0, max: 5 }, initProducerId);

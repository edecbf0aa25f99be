import { CoordinatorType } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import { FindCoordinator, type FindCoordinatorResponseCoordinator, type Input } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';

function locate(key: string, keyType: number, ctx: RequestContext): Input<FindCoordinatorResponseCoordinator> {
  if (keyType !== CoordinatorType.GROUP && keyType !== CoordinatorType.TRANSACTION) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown key type ${keyType}` };
  }
  const broker = ctx.cluster.coordinatorFor(key);
  if (broker === undefined) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'no live broker' };
  }
  return { key, nodeId: broker.id, host: broker.host, port: broker.port, errorCode: 0, errorMessage: null };
}

/** Groups and transactional ids map to a broker by a hash over the live brokers; v4+ asks for many keys at once. */
export const findCoordinatorHandler = defineHandler(
  FindCoordinator,
  { min: 0, max: 6 },
  (request, ctx) => {
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => locate(key, request.keyType, ctx)) };
    }
    const found = locate(request.key, request.keyType, ctx);
    return {
      throttleTimeMs: 0,
      errorCode: found.errorCode,
      errorMessage: found.errorMessage,
      nodeId: found.nodeId,
      host: found.host,
      port: found.port,
    };
  },
  (request, code, ctx) =>
    ctx.apiVersion >= 4
      ? { coordinators: request.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: null })) }
      : { errorCode: code, nodeId: -1, host: '', port: -1 },
);

import { ErrorCode } from '../../../protocol/error-codes.js';
import { Heartbeat } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

export const heartbeatHandler = defineHandler(Heartbeat, { min: 0, max: 4 }, (request, ctx) => ({
  throttleTimeMs: 0,
  errorCode: isCoordinatorFor(ctx, request.groupId) ? ctx.cluster.groups.heartbeat(request) : ErrorCode.NOT_COORDINATOR,
}));

import { ErrorCode } from '../../../protocol/error-codes.js';
import { Heartbeat } from '../../../protocol/messages/index.js';
import { groupCoordinatorOf, isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

export const heartbeatHandler = defineHandler(Heartbeat, (request, ctx) => ({
  throttleTimeMs: 0,
  errorCode: isCoordinatorFor(ctx, request.groupId) ? groupCoordinatorOf(ctx.cluster).heartbeat(request) : ErrorCode.NOT_COORDINATOR,
}));

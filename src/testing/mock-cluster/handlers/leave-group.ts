import { ErrorCode } from '../../../protocol/error-codes.js';
import { LeaveGroup } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

/** v0-2 name one member; v3+ a batch, each by member id or (static members) instance id. */
export const leaveGroupHandler = defineHandler(
  LeaveGroup,
  { min: 0, max: 5 },
  (request, ctx) => {
    const batched = ctx.apiVersion >= 3;
    const leaving = batched ? request.members : [{ memberId: request.memberId, groupInstanceId: null }];
    if (!isCoordinatorFor(ctx, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    const codes = ctx.cluster.groups.leave(request.groupId, leaving);
    if (!batched) return { throttleTimeMs: 0, errorCode: codes[0] };
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      members: leaving.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: codes[i] })),
    };
  },
  (_request, code) => ({ errorCode: code, members: [] }),
);

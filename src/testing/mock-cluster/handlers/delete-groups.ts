import { ErrorCode } from '../../../protocol/error-codes.js';
import { DeleteGroups } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

/** A group goes with its committed offsets, and only once it has no members. */
export const deleteGroupsHandler = defineHandler(
  DeleteGroups,
  { min: 0, max: 2 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    results: request.groupsNames.map((groupId) => ({
      groupId,
      errorCode: isCoordinatorFor(ctx, groupId) ? ctx.cluster.groups.deleteGroup(groupId) : ErrorCode.NOT_COORDINATOR,
    })),
  }),
  (request, code) => ({ results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) }),
);

import { ErrorCode } from '../../../protocol/error-codes.js';
import { DeleteGroups } from '../../../protocol/messages/index.js';
import { groupCoordinatorOf, isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

/** A group goes with its committed offsets, and only once it has no members. */
export const deleteGroupsHandler = defineHandler(
  DeleteGroups,
  (request, ctx) => ({
    throttleTimeMs: 0,
    results: request.groupsNames.map((groupId) => ({
      groupId,
      errorCode: isCoordinatorFor(ctx, groupId) ? groupCoordinatorOf(ctx.cluster).deleteGroup(groupId) : ErrorCode.NOT_COORDINATOR,
    })),
  }),
  (request, code) => ({ results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) }),
);

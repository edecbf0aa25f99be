import { ErrorCode } from '../../../protocol/error-codes.js';
import { DescribeGroups, type DescribeGroupsResponseDescribedGroup, type Input } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** READ, DELETE and DESCRIBE: the operations on a group the mock (no ACLs) allows anyone. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const NOT_REQUESTED = -2147483648;

function describe(groupId: string, withOperations: boolean, ctx: RequestContext): Input<DescribeGroupsResponseDescribedGroup> {
  const authorizedOperations = withOperations ? GROUP_OPERATIONS : NOT_REQUESTED;
  const nothing = { groupId, protocolType: '', protocolData: '', members: [], authorizedOperations };
  if (!isCoordinatorFor(ctx, groupId)) return { ...nothing, errorCode: ErrorCode.NOT_COORDINATOR, groupState: '' };
  const group = ctx.cluster.groups.group(groupId);
  // an unknown group is reported as Dead, without error
  if (group === undefined) return { ...nothing, errorCode: 0, groupState: 'Dead' };
  // only a stable group has a settled protocol, metadata and assignments to show
  const stable = group.state === 'Stable';
  return {
    errorCode: 0,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    authorizedOperations,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? group.metadataOf(m, group.protocolName) : Buffer.alloc(0),
      memberAssignment: stable ? m.assignment : Buffer.alloc(0),
    })),
  };
}

export const describeGroupsHandler = defineHandler(
  DescribeGroups,
  { min: 0, max: 5 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    groups: request.groups.map((g) => describe(g, request.includeAuthorizedOperations, ctx)),
  }),
  (request, code) => ({
    groups: request.groups.map((groupId) => ({ groupId, errorCode: code, groupState: '', protocolType: '', protocolData: '', members: [] })),
  }),
);

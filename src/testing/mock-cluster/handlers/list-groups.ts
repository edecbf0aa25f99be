import { ListGroups } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler } from '../handler.js';

/** Every group this broker coordinates; v4+ filter by state, v5+ by type (all are classic here). */
export const listGroupsHandler = defineHandler(ListGroups, { min: 0, max: 5 }, (request, ctx) => {
  const states = new Set(ctx.apiVersion >= 4 ? request.statesFilter.map((s) => s.toLowerCase()) : []);
  const types = new Set(ctx.apiVersion >= 5 ? request.typesFilter.map((s) => s.toLowerCase()) : []);
  const groups = ctx.cluster.groups
    .allGroups()
    .filter((g) => isCoordinatorFor(ctx, g.groupId))
    .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
    .filter(() => types.size === 0 || types.has('classic'))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
  return { throttleTimeMs: 0, errorCode: 0, groups };
});

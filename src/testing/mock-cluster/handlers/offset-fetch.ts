import { ErrorCode } from '../../../protocol/error-codes.js';
import { OffsetFetch, type Input, type OffsetFetchRequest, type OffsetFetchResponse, type OffsetFetchResponsePartition } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler, type RequestContext } from '../handler.js';

interface Wanted {
  name: string;
  partitionIndexes: number[];
}

/** One group's committed offsets; `topics` null asks for every partition the group committed. */
function fetchGroup(groupId: string, topics: readonly Wanted[] | null, ctx: RequestContext) {
  const store = ctx.cluster.offsets;
  const wanted: readonly Wanted[] = topics ?? committedTopics(groupId, ctx);
  return wanted.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex): OffsetFetchResponsePartition => {
      const c = store.fetch(groupId, t.name, partitionIndex);
      return c === undefined
        ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }
        : { partitionIndex, committedOffset: c.offset, committedLeaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: 0 };
    }),
  }));
}

function committedTopics(groupId: string, ctx: RequestContext): Wanted[] {
  const byTopic = new Map<string, number[]>();
  for (const [topic, partition] of ctx.cluster.offsets.all(groupId)) {
    const list = byTopic.get(topic) ?? [];
    list.push(partition);
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes: partitionIndexes.sort((a, b) => a - b) }));
}

/** A whole-request failure before v8: top-level code (v2+) and every partition asked for (v0-1 have only those). */
function singleError(request: OffsetFetchRequest, code: number): Input<OffsetFetchResponse> {
  return {
    throttleTimeMs: 0,
    errorCode: code,
    topics: (request.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, metadata: '', errorCode: code })),
    })),
  };
}

function single(request: OffsetFetchRequest, ctx: RequestContext): Input<OffsetFetchResponse> {
  if (!isCoordinatorFor(ctx, request.groupId)) return singleError(request, ErrorCode.NOT_COORDINATOR);
  return { throttleTimeMs: 0, errorCode: 0, topics: fetchGroup(request.groupId, request.topics, ctx) };
}

function batched(request: OffsetFetchRequest, ctx: RequestContext): Input<OffsetFetchResponse> {
  return {
    throttleTimeMs: 0,
    groups: request.groups.map((g) =>
      isCoordinatorFor(ctx, g.groupId)
        ? { groupId: g.groupId, errorCode: 0, topics: fetchGroup(g.groupId, g.topics, ctx) }
        : { groupId: g.groupId, errorCode: ErrorCode.NOT_COORDINATOR, topics: [] },
    ),
  };
}

/** v8+ asks for many groups at once; before that one group per request. */
export const offsetFetchHandler = defineHandler(
  OffsetFetch,
  { min: 0, max: 9 },
  (request, ctx) => (ctx.apiVersion >= 8 ? batched(request, ctx) : single(request, ctx)),
  (request, code, ctx): Input<OffsetFetchResponse> =>
    ctx.apiVersion >= 8 ? { groups: request.groups.map((g) => ({ groupId: g.groupId, errorCode: code, topics: [] })) } : singleError(request, code),
);

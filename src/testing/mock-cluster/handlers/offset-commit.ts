import { ErrorCode } from '../../../protocol/error-codes.js';
import { OffsetCommit, type OffsetCommitRequest } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** Kafka's offset.metadata.max.bytes default. */
const MAX_METADATA_BYTES = 4096;

function everyPartition(request: OffsetCommitRequest, code: (topic: string, partition: number) => number) {
  return request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })),
  }));
}

function commit(request: OffsetCommitRequest, ctx: RequestContext) {
  if (!isCoordinatorFor(ctx, request.groupId)) return everyPartition(request, () => ErrorCode.NOT_COORDINATOR);
  // v0 has no generation nor member: always a standalone commit
  const groupError = ctx.cluster.groups.validateCommit({
    groupId: request.groupId,
    generationId: ctx.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
    memberId: ctx.apiVersion === 0 ? '' : request.memberId,
    groupInstanceId: request.groupInstanceId,
  });
  if (groupError !== 0) return everyPartition(request, () => groupError);
  const byKey = new Map(request.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, p] as const)));
  return everyPartition(request, (topic, partition) => {
    const p = byKey.get(`${topic}:${partition}`);
    if (p === undefined || ctx.cluster.partition(topic, partition) === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > MAX_METADATA_BYTES) {
      return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    }
    ctx.cluster.offsets.commit(request.groupId, topic, partition, {
      offset: p.committedOffset,
      leaderEpoch: p.committedLeaderEpoch,
      metadata: p.committedMetadata,
      commitTime: ctx.cluster.now(),
    });
    return 0;
  });
}

export const offsetCommitHandler = defineHandler(
  OffsetCommit,
  { min: 0, max: 9 },
  (request, ctx) => ({ throttleTimeMs: 0, topics: commit(request, ctx) }),
  (request, code) => ({ topics: everyPartition(request, () => code) }),
);

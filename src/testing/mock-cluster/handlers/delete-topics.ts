import { ErrorCode } from '../../../protocol/error-codes.js';
import {
  DeleteTopics,
  ZERO_UUID,
  type DeleteTopicsRequest,
  type DeleteTopicsResponseDeletableTopicResult,
  type Input,
} from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { ClusterState } from '../state.js';
import { notController } from './admin-rules.js';

type Result = Input<DeleteTopicsResponseDeletableTopicResult>;

/** The topics a request names, by name (v0-5) or by name or id (v6+). */
function asked(request: DeleteTopicsRequest, apiVersion: number): Array<{ name: string | null; topicId: string }> {
  return apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

function remove(cluster: ClusterState, name: string): void {
  const topic = cluster.topics.get(name);
  if (topic === undefined) return;
  cluster.topics.delete(name);
  cluster.offsets.deleteTopic(name);
  // Fetches long-polling on the topic stop waiting for appends that can no longer come.
  for (const p of topic.partitions) p.log.appended$.complete();
}

function deleteOne(want: { name: string | null; topicId: string }, ctx: RequestContext, seen: Set<string>): Result {
  const { cluster } = ctx;
  const byId = want.topicId !== ZERO_UUID;
  const base = { name: want.name, topicId: want.topicId, errorMessage: null };
  if (byId && want.name !== null) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Topic name and topic id cannot both be set.' };
  const topic = byId ? cluster.topicById(want.topicId) : want.name === null ? undefined : cluster.topics.get(want.name);
  if (topic === undefined) {
    return byId
      ? { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' }
      : { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
  }
  if (seen.has(topic.name)) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
  seen.add(topic.name);
  remove(cluster, topic.name);
  return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const deleteTopicsHandler = defineHandler(
  DeleteTopics,
  { min: 0, max: 6 },
  (request, ctx) => {
    const wanted = asked(request, ctx.apiVersion);
    if (notController(ctx)) {
      return {
        throttleTimeMs: 0,
        responses: wanted.map((w) => ({ ...w, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'This is not the correct controller for this cluster.' })),
      };
    }
    const seen = new Set<string>();
    return { throttleTimeMs: 0, responses: wanted.map((w) => deleteOne(w, ctx, seen)) };
  },
  (request, code, ctx) => ({ responses: asked(request, ctx.apiVersion).map((w) => ({ ...w, errorCode: code })) }),
);

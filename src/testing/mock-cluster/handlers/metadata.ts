import { ErrorCode } from '../../../protocol/error-codes.js';
import { Metadata, type MetadataResponseTopic, type Input } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';
import type { ClusterState, TopicState } from '../state.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function describeTopic(cluster: ClusterState, topic: TopicState): Input<MetadataResponseTopic> {
  const live = new Set(cluster.liveBrokers().map((b) => b.id));
  return {
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.isInternal,
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
      partitionIndex: p.index,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr.filter((id) => live.has(id)),
      offlineReplicas: p.replicas.filter((id) => !live.has(id)),
    })),
  };
}

export const metadataHandler = defineHandler(Metadata, { min: 0, max: 12 }, (request, ctx) => {
  const { cluster, apiVersion } = ctx;
  // v0 has no null: an empty list asks for every topic there.
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const autoCreate = cluster.autoCreateTopics && (apiVersion < 4 || request.allowAutoTopicCreation);
  const topics: Array<Input<MetadataResponseTopic>> = [];
  if (all) {
    for (const t of cluster.topics.values()) topics.push(describeTopic(cluster, t));
  } else {
    for (const asked of request.topics ?? []) {
      if (asked.name === null) {
        const byId = cluster.topicById(asked.topicId);
        topics.push(byId ? describeTopic(cluster, byId) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: asked.topicId });
        continue;
      }
      let topic = cluster.topics.get(asked.name);
      if (topic === undefined && autoCreate) {
        if (!LEGAL_TOPIC.test(asked.name)) {
          topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: asked.name });
          continue;
        }
        topic = cluster.createTopic(asked.name);
      }
      topics.push(topic ? describeTopic(cluster, topic) : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: asked.name });
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: cluster.liveBrokers().map((b) => ({ nodeId: b.id, host: b.host, port: b.port, rack: b.rack })),
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    topics,
  };
});

import type { KafkaError } from '../errors.js';
import { kafkaErrorFromCode } from '../protocol/error-codes.js';
import type { MetadataResponse } from '../protocol/messages/index.js';

export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  /** Leader broker id, -1 when there is none. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  /** The broker's error for this partition, e.g. LEADER_NOT_AVAILABLE; null when healthy. */
  error: KafkaError | null;
}

export interface TopicMetadata {
  name: string;
  /** Kafka's topic id string, or null from brokers that do not send one. */
  topicId: string | null;
  isInternal: boolean;
  partitions: PartitionMetadata[];
  /** The broker's error for this topic, e.g. UNKNOWN_TOPIC_OR_PARTITION; null when healthy. */
  error: KafkaError | null;
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicMetadata[];
}

const NO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

const errorOf = (code: number, context: string): KafkaError | null =>
  code === 0 ? null : kafkaErrorFromCode(code, context);

/** Our public shape of a Metadata response: plain ids, typed errors, sorted partitions. */
export function toClusterMetadata(res: MetadataResponse): ClusterMetadata {
  return {
    clusterId: res.clusterId,
    controllerId: res.controllerId,
    brokers: res.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    topics: res.topics.map((t) => {
      const name = t.name ?? '';
      return {
        name,
        topicId: t.topicId === NO_TOPIC_ID ? null : t.topicId,
        isInternal: t.isInternal,
        error: errorOf(t.errorCode, `topic ${name}`),
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas,
            error: errorOf(p.errorCode, `${name}[${p.partitionIndex}]`),
          }))
          .sort((a, b) => a.partition - b.partition),
      };
    }),
  };
}

import { ConfigSource } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import {
  CreateTopics,
  ZERO_UUID,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponseCreatableTopicResult,
  type Input,
} from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { PartitionLog } from '../partition-log.js';
import type { ClusterState, PartitionState } from '../state.js';
import { duplicates, notController, replicaProblem, topicNameProblem } from './admin-rules.js';
import { effectiveTopicConfigs, topicConfigProblem } from './admin-topic-configs.js';

type Result = Input<CreateTopicsResponseCreatableTopicResult>;

/** A topic that passed validation: what it will look like. */
interface Plan {
  partitions: number;
  replicationFactor: number;
  /** Explicit replica lists by partition index, or undefined for round-robin placement. */
  assignments: number[][] | undefined;
  configs: Map<string, string>;
}

const failed = (name: string, errorCode: number, errorMessage: string | null): Result => ({
  name,
  errorCode,
  errorMessage,
  numPartitions: -1,
  replicationFactor: -1,
});

/** The plan for one topic, or the error it gets, checked in the order Kafka checks. */
function plan(t: CreateTopicsRequestCreatableTopic, cluster: ClusterState): Plan | { code: number; message: string } {
  const nameProblem = topicNameProblem(t.name);
  if (nameProblem !== null) return { code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: nameProblem };
  if (cluster.topics.has(t.name)) return { code: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };

  const configs = new Map<string, string>();
  for (const c of t.configs) {
    const problem = topicConfigProblem(c.name, c.value);
    if (problem !== null) return { code: ErrorCode.INVALID_CONFIG, message: problem };
    configs.set(c.name, c.value ?? '');
  }

  const live = cluster.liveBrokers().length;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return { code: ErrorCode.INVALID_REQUEST, message: 'Both numPartitions or replicationFactor and replicasAssignments were set.' };
    }
    const known = new Set(cluster.brokers.keys());
    const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    const replicas: number[][] = [];
    for (const [i, a] of sorted.entries()) {
      if (a.partitionIndex !== i) return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'Partitions must be numbered 0..N-1 without gaps.' };
      const problem = replicaProblem(a.brokerIds, known);
      if (problem !== null) return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: problem };
      if (a.brokerIds.length !== sorted[0].brokerIds.length) {
        return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'All partitions must have the same number of replicas.' };
      }
      replicas.push([...a.brokerIds]);
    }
    return { partitions: replicas.length, replicationFactor: replicas[0].length, assignments: replicas, configs };
  }

  const partitions = t.numPartitions === -1 ? cluster.defaultPartitions : t.numPartitions;
  if (partitions <= 0) return { code: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' };
  // The mock's default replication factor is the one auto-created topics get.
  const replicationFactor = t.replicationFactor === -1 ? Math.min(3, cluster.brokers.size) : t.replicationFactor;
  if (replicationFactor <= 0) return { code: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0.' };
  if (replicationFactor > live) {
    return { code: ErrorCode.INVALID_REPLICATION_FACTOR, message: `Replication factor: ${replicationFactor} larger than available brokers: ${live}.` };
  }
  return { partitions, replicationFactor, assignments: undefined, configs };
}

function create(name: string, p: Plan, cluster: ClusterState): string {
  if (p.assignments === undefined) {
    return cluster.createTopic(name, { partitions: p.partitions, replicationFactor: p.replicationFactor, configs: Object.fromEntries(p.configs) }).topicId;
  }
  const topic = cluster.createTopic(name, { partitions: 0, configs: Object.fromEntries(p.configs) });
  for (const [index, replicas] of p.assignments.entries()) {
    const partition: PartitionState = { index, leader: replicas[0], replicas, isr: [...replicas], leaderEpoch: 0, log: new PartitionLog() };
    topic.partitions.push(partition);
  }
  return topic.topicId;
}

function createTopics(request: { topics: CreateTopicsRequestCreatableTopic[]; validateOnly: boolean }, ctx: RequestContext) {
  const { cluster, apiVersion } = ctx;
  if (notController(ctx)) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, ErrorCode.NOT_CONTROLLER, 'This is not the correct controller for this cluster.')) };
  }
  const twice = duplicates(request.topics.map((t) => t.name));
  // validateOnly must not create, so v0 (which has no validateOnly) always creates.
  const validateOnly = apiVersion >= 1 && request.validateOnly;
  const topics = request.topics.map((t): Result => {
    if (twice.has(t.name)) return failed(t.name, ErrorCode.INVALID_REQUEST, 'Create topics request from client contains multiple entries for the same topic.');
    const p = plan(t, cluster);
    if ('code' in p) return failed(t.name, p.code, p.message);
    const topicId = validateOnly ? ZERO_UUID : create(t.name, p, cluster);
    return {
      name: t.name,
      topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: p.partitions,
      replicationFactor: p.replicationFactor,
      configs: effectiveTopicConfigs(p.configs).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: false,
        configSource: c.isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG,
        isSensitive: false,
      })),
    };
  });
  return { throttleTimeMs: 0, topics };
}

export const createTopicsHandler = defineHandler(CreateTopics, { min: 0, max: 7 }, createTopics, (request, code) => ({
  topics: request.topics.map((t) => failed(t.name, code, null)),
}));

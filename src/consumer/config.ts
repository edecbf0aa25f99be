import { KafkaConfigError } from '../errors.js';
import type { Assignor } from './assignors/assignor.js';
import { isBuiltInAssignorName, type BuiltInAssignorName } from './assignors/index.js';

/** A partition to read without a group, from `offset` (else the committed one, else autoOffsetReset). */
export interface AssignedPartitionInput {
  topic: string;
  partition: number;
  offset?: bigint | number;
}

export type { BuiltInAssignorName };
export type AutoOffsetReset = 'earliest' | 'latest' | 'none';
export type IsolationLevelName = 'read_committed' | 'read_uncommitted';
export type AckMode = 'auto' | 'manual';

export interface ConsumerConfig {
  /** A consumer group; omit it and give `assign` to read fixed partitions without one. */
  groupId?: string;
  /** Topics to subscribe to (group mode): names, or a RegExp matched against metadata as topics come and go. */
  topics?: readonly string[] | RegExp;
  /** Fixed partitions, no group membership (commits go to `groupId` when one is given). */
  assign?: readonly AssignedPartitionInput[];
  /** Static membership (KIP-345): the member keeps its partitions across a restart within the session timeout. */
  groupInstanceId?: string;
  /** In order of preference; default ['cooperative-sticky', 'range']. */
  assignors?: ReadonlyArray<BuiltInAssignorName | Assignor>;
  /** Where to start without a committed offset, or after OFFSET_OUT_OF_RANGE. Default 'latest'. */
  autoOffsetReset?: AutoOffsetReset;
  /** Default 'read_committed': records of open or aborted transactions are not delivered. */
  isolationLevel?: IsolationLevelName;
  /** 'auto' (default): a record is acked once handed to every subscriber. 'manual': `record.ack()`. */
  ack?: AckMode;
  /** Acked offsets are committed this often, and on revoke and close. 0 disables the timer. Default 5000. */
  autoCommitIntervalMs?: number;
  /** Default 45000, as the Java client. */
  sessionTimeoutMs?: number;
  /** Default 3000. */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin, and a revoke for acks. Default 300000. */
  rebalanceTimeoutMs?: number;
  /** How long a broker holds a Fetch for fetchMinBytes to arrive. Default 500. */
  fetchMaxWaitMs?: number;
  /** Default 1. */
  fetchMinBytes?: number;
  /** Per Fetch request. Default 50 MiB. */
  fetchMaxBytes?: number;
  /** Per partition in one Fetch. Default 1 MiB. */
  maxPartitionFetchBytes?: number;
  /**
   * Records fetched and not yet acked, in bytes: above it, fetching pauses. Default 64 MiB.
   * A Fetch never asks for more than the room left (its maxBytes and every partition's max
   * bytes are capped by it), but a broker returns the first record batch of its answer whole
   * even when that is larger, so that the consumer always makes progress: each Fetch in flight
   * (at most one per broker) can take the total past the bound by less than one record batch.
   */
  maxBufferedBytes?: number;
  /** The rack this consumer runs in, to fetch from the closest replica (KIP-392) where offered. */
  rackId?: string;
}

export interface ResolvedConsumerConfig {
  groupId: string | null;
  topics: readonly string[] | RegExp | null;
  assign: readonly AssignedPartitionInput[] | null;
  groupInstanceId: string | null;
  assignors: ReadonlyArray<BuiltInAssignorName | Assignor>;
  autoOffsetReset: AutoOffsetReset;
  isolationLevel: IsolationLevelName;
  ack: AckMode;
  autoCommitIntervalMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  fetchMaxWaitMs: number;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  maxBufferedBytes: number;
  rackId: string | null;
}

const KNOWN = new Set<string>([
  'groupId', 'topics', 'assign', 'groupInstanceId', 'assignors', 'autoOffsetReset', 'isolationLevel', 'ack', 'autoCommitIntervalMs',
  'sessionTimeoutMs', 'heartbeatIntervalMs', 'rebalanceTimeoutMs', 'fetchMaxWaitMs', 'fetchMinBytes', 'fetchMaxBytes',
  'maxPartitionFetchBytes', 'maxBufferedBytes', 'rackId',
]);

const MAX_INT32 = 0x7fffffff;

const int = (v: unknown, field: string, min: number, max = MAX_INT32): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new KafkaConfigError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
};

const nonEmpty = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v === '') throw new KafkaConfigError(field, 'must be a non-empty string');
  return v;
};

const oneOf = <T extends string>(v: unknown, field: string, allowed: readonly T[]): T => {
  if (!allowed.includes(v as T)) throw new KafkaConfigError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return v as T;
};

function resolveTopics(topics: unknown): readonly string[] | RegExp {
  if (topics instanceof RegExp) return topics;
  if (!Array.isArray(topics) || topics.length === 0) throw new KafkaConfigError('topics', 'must be a non-empty array of topic names, or a RegExp');
  topics.forEach((t, i) => nonEmpty(t, `topics[${i}]`));
  return [...new Set(topics as string[])];
}

function resolveAssign(assign: unknown): readonly AssignedPartitionInput[] {
  if (!Array.isArray(assign) || assign.length === 0) throw new KafkaConfigError('assign', 'must be a non-empty array of { topic, partition, offset? }');
  const seen = new Set<string>();
  return assign.map((a: unknown, i) => {
    if (typeof a !== 'object' || a === null) throw new KafkaConfigError(`assign[${i}]`, 'must be { topic, partition, offset? }');
    const { topic, partition, offset } = a as Record<string, unknown>;
    nonEmpty(topic, `assign[${i}].topic`);
    int(partition, `assign[${i}].partition`, 0);
    if (offset !== undefined && !(typeof offset === 'bigint' && offset >= 0n) && !(typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0)) {
      throw new KafkaConfigError(`assign[${i}].offset`, 'must be a non-negative integer (bigint or number)');
    }
    const key = `${String(topic)}[${String(partition)}]`;
    if (seen.has(key)) throw new KafkaConfigError(`assign[${i}]`, `${key} is named twice`);
    seen.add(key);
    return a as AssignedPartitionInput;
  });
}

function resolveAssignors(assignors: unknown): ReadonlyArray<BuiltInAssignorName | Assignor> {
  if (!Array.isArray(assignors) || assignors.length === 0) throw new KafkaConfigError('assignors', 'must be a non-empty array');
  const names = new Set<string>();
  return assignors.map((a: unknown, i) => {
    const name = typeof a === 'string' ? a : (a as Assignor | null)?.name;
    const valid = typeof a === 'string' ? isBuiltInAssignorName(a) : typeof a === 'object' && a !== null && typeof (a as Assignor).assign === 'function' && typeof name === 'string' && name !== '';
    if (!valid) throw new KafkaConfigError(`assignors[${i}]`, "must be 'range', 'roundrobin', 'cooperative-sticky', or an Assignor { name, protocol, assign }");
    if (typeof a !== 'string' && (a as Assignor).protocol !== 'eager' && (a as Assignor).protocol !== 'cooperative') {
      throw new KafkaConfigError(`assignors[${i}].protocol`, "must be 'eager' or 'cooperative'");
    }
    if (names.has(name as string)) throw new KafkaConfigError(`assignors[${i}]`, `${String(name)} is named twice`);
    names.add(name as string);
    return a as BuiltInAssignorName | Assignor;
  });
}

/** Rejects an unknown or invalid option, naming it; fills in defaults (the Java client's where it has one). */
export function resolveConsumerConfig(config: ConsumerConfig): ResolvedConsumerConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaConfigError('consumer', 'config must be an object');
  for (const key of Object.keys(config)) if (!KNOWN.has(key)) throw new KafkaConfigError(key, 'unknown consumer option');
  const groupId = config.groupId === undefined ? null : nonEmpty(config.groupId, 'groupId');
  const assign = config.assign === undefined ? null : resolveAssign(config.assign);
  const topics = config.topics === undefined ? null : resolveTopics(config.topics);
  if (assign !== null && topics !== null) throw new KafkaConfigError('assign', 'give either topics (a group subscription) or assign (fixed partitions), not both');
  if (assign === null && topics === null) throw new KafkaConfigError('topics', 'required: topics to subscribe to (with groupId), or assign for fixed partitions');
  if (topics !== null && groupId === null) throw new KafkaConfigError('groupId', 'required to subscribe to topics (or give assign for fixed partitions)');
  const groupInstanceId = config.groupInstanceId === undefined ? null : nonEmpty(config.groupInstanceId, 'groupInstanceId');
  if (groupInstanceId !== null && topics === null) throw new KafkaConfigError('groupInstanceId', 'static membership needs a group subscription (topics)');
  const sessionTimeoutMs = int(config.sessionTimeoutMs ?? 45_000, 'sessionTimeoutMs', 1);
  const heartbeatIntervalMs = int(config.heartbeatIntervalMs ?? 3_000, 'heartbeatIntervalMs', 1);
  if (heartbeatIntervalMs >= sessionTimeoutMs) throw new KafkaConfigError('heartbeatIntervalMs', 'must be below sessionTimeoutMs');
  const fetchMaxBytes = int(config.fetchMaxBytes ?? 50 << 20, 'fetchMaxBytes', 1);
  const maxPartitionFetchBytes = int(config.maxPartitionFetchBytes ?? 1 << 20, 'maxPartitionFetchBytes', 1);
  return {
    groupId,
    topics,
    assign,
    groupInstanceId,
    assignors: resolveAssignors(config.assignors ?? ['cooperative-sticky', 'range']),
    autoOffsetReset: oneOf(config.autoOffsetReset ?? 'latest', 'autoOffsetReset', ['earliest', 'latest', 'none'] as const),
    isolationLevel: oneOf(config.isolationLevel ?? 'read_committed', 'isolationLevel', ['read_committed', 'read_uncommitted'] as const),
    ack: oneOf(config.ack ?? 'auto', 'ack', ['auto', 'manual'] as const),
    autoCommitIntervalMs: int(config.autoCommitIntervalMs ?? 5_000, 'autoCommitIntervalMs', 0),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: int(config.rebalanceTimeoutMs ?? 300_000, 'rebalanceTimeoutMs', 1),
    fetchMaxWaitMs: int(config.fetchMaxWaitMs ?? 500, 'fetchMaxWaitMs', 0),
    fetchMinBytes: int(config.fetchMinBytes ?? 1, 'fetchMinBytes', 0),
    fetchMaxBytes,
    maxPartitionFetchBytes,
    maxBufferedBytes: int(config.maxBufferedBytes ?? 64 << 20, 'maxBufferedBytes', 1, Number.MAX_SAFE_INTEGER),
    rackId: config.rackId === undefined ? null : nonEmpty(config.rackId, 'rackId'),
  };
}

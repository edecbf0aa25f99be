import { randomBytes } from 'node:crypto';
import { Subject, type SchedulerLike } from 'rxjs';
import { uuidToString } from '../../protocol/messages/index.js';
import { OffsetStore } from './offset-store.js';
import { PartitionLog } from './partition-log.js';
import { GroupCoordinator } from './group-coordinator.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

export interface MockBroker {
  readonly id: number;
  readonly host: string;
  port: number;
  rack: string | null;
  up: boolean;
  /** Added before each answer, in ms, on the cluster's scheduler. */
  latencyMs: number;
}

export interface PartitionState {
  readonly index: number;
  leader: number;
  replicas: number[];
  isr: number[];
  leaderEpoch: number;
  readonly log: PartitionLog;
}

export interface TopicState {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: PartitionState[];
  readonly configs: Map<string, string>;
  readonly isInternal: boolean;
}

export interface TopicSpec {
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface ReceivedRequest {
  broker: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** The request as decoded (its API's request type), or undefined when it did not decode. */
  body: unknown;
}

export interface InjectedError {
  code: number;
  /** Only requests to this broker take it; any broker when undefined. */
  broker?: number;
}

/** Topic-level config defaults a describe answers with (Kafka's own defaults). */
export const TOPIC_CONFIG_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['cleanup.policy', 'delete'],
  ['compression.type', 'producer'],
  ['retention.ms', '604800000'],
  ['retention.bytes', '-1'],
  ['segment.bytes', '1073741824'],
  ['max.message.bytes', '1048588'],
  ['message.timestamp.type', 'CreateTime'],
  ['min.insync.replicas', '1'],
]);

/**
 * Everything a mock cluster knows, shared by its brokers and handlers: brokers, topics with
 * their logs, and the queue of injected errors. Coordinators (groups, transactions, producer
 * ids) keep their own state and hang off this object.
 */
export class ClusterState {
  readonly clusterId = uuidToString(randomBytes(16));
  readonly brokers = new Map<number, MockBroker>();
  readonly topics = new Map<string, TopicState>();
  /** Committed consumer offsets (OffsetCommit, TxnOffsetCommit on commit). */
  readonly offsets = new OffsetStore();
  /** Every request a broker reads, as it reads it: lets a test act once a request is in. */
  readonly requests$ = new Subject<ReceivedRequest>();
  /** APIs the brokers answer, with the versions they speak, for ApiVersions. */
  served: ReadonlyArray<{ apiKey: number; minVersion: number; maxVersion: number }> = [];
  private readonly injected = new Map<number, InjectedError[]>();
  private readonly stopHooks: Array<() => void> = [];
  private nextLeader = 0;
  /** Users and mechanisms when the listeners require SASL. */
  sasl: { mechanisms: string[]; users: Record<string, string> } | undefined;

  /** The cluster's consumer groups and their committed offsets. */
  readonly groups: GroupCoordinator;
  /** The cluster's transactional ids, producer ids and open transactions. */
  readonly transactions: TransactionCoordinator;

  constructor(
    readonly scheduler: SchedulerLike,
    readonly autoCreateTopics: boolean,
    readonly defaultPartitions: number,
    readonly log: (message: string) => void,
  ) {
    this.groups = new GroupCoordinator(this);
    this.transactions = new TransactionCoordinator(this);
  }

  get controllerId(): number {
    return this.liveBrokers()[0]?.id ?? -1;
  }

  now(): number {
    return this.scheduler.now();
  }

  liveBrokers(): MockBroker[] {
    return [...this.brokers.values()].filter((b) => b.up);
  }

  topicById(id: string): TopicState | undefined {
    for (const t of this.topics.values()) if (t.topicId === id) return t;
    return undefined;
  }

  createTopic(name: string, spec: TopicSpec = {}): TopicState {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const ids = [...this.brokers.keys()].sort((a, b) => a - b);
    const partitions = spec.partitions ?? this.defaultPartitions;
    const rf = Math.min(spec.replicationFactor ?? Math.min(3, ids.length), ids.length);
    const topic: TopicState = {
      name,
      topicId: uuidToString(randomBytes(16)),
      configs: new Map(Object.entries(spec.configs ?? {})),
      isInternal: name.startsWith('__'),
      partitions: Array.from({ length: partitions }, (_, index) => this.newPartition(index, ids, rf)),
    };
    this.topics.set(name, topic);
    return topic;
  }

  /** A new partition with leaders spread round-robin, replicas following the leader. */
  newPartition(index: number, ids: readonly number[], rf: number): PartitionState {
    const first = this.nextLeader++ % ids.length;
    const replicas = Array.from({ length: rf }, (_, i) => ids[(first + i) % ids.length]);
    return { index, leader: replicas[0], replicas, isr: [...replicas], leaderEpoch: 0, log: new PartitionLog() };
  }

  partition(topic: string, index: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** A broker went down: partitions it led move to another live replica, or have none. */
  electLeadersAwayFrom(brokerId: number): void {
    const live = new Set(this.liveBrokers().map((b) => b.id));
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        if (p.leader !== brokerId) continue;
        p.isr = p.isr.filter((id) => id !== brokerId);
        p.leader = p.replicas.find((id) => live.has(id)) ?? -1;
        if (p.leader >= 0 && !p.isr.includes(p.leader)) p.isr.push(p.leader);
        p.leaderEpoch++;
      }
    }
  }

  /** Runs `hook` when the cluster stops (coordinators cancel their timers there). */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  stop(): void {
    for (const hook of this.stopHooks.splice(0)) hook();
    this.requests$.complete();
    for (const t of this.topics.values()) for (const p of t.partitions) p.log.appended$.complete();
  }

  /** Queues error codes that the next requests of `apiKey` answer with, in order. */
  injectErrors(apiKey: number, codes: readonly number[], broker?: number): void {
    const queue = this.injected.get(apiKey) ?? [];
    for (const code of codes) queue.push({ code, broker });
    this.injected.set(apiKey, queue);
  }

  /** The injected error this request takes, if one is queued for its API and broker. */
  takeInjectedError(apiKey: number, broker: number): number | undefined {
    const queue = this.injected.get(apiKey);
    if (!queue) return undefined;
    const at = queue.findIndex((e) => e.broker === undefined || e.broker === broker);
    if (at < 0) return undefined;
    const [e] = queue.splice(at, 1);
    return e.code;
  }

  /** The broker coordinating a group or transactional id: a stable hash over live brokers. */
  coordinatorFor(key: string): MockBroker | undefined {
    const live = this.liveBrokers().sort((a, b) => a.id - b.id);
    if (live.length === 0) return undefined;
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
    return live[Math.abs(h) % live.length];
  }
}

import type { BrokerInfo, ClusterMetadata, TopicMetadata } from './metadata.js';
import { ErrorCode } from '../protocol/error-codes.js';

/** Broker error codes after which a topic's cached leaders are not to be trusted. */
export const STALE_METADATA_CODES: ReadonlySet<number> = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);

interface Entry {
  topic: TopicMetadata;
  fetchedAt: number;
}

/**
 * The latest metadata per topic, each entry with its own age. A topic is served from here
 * while younger than the TTL and not marked stale by an error that says its leaders moved.
 */
export class MetadataCache {
  private readonly topics = new Map<string, Entry>();
  private brokers: BrokerInfo[] = [];
  private clusterId: string | null = null;
  private controllerId = -1;
  private allFetchedAt = -Infinity;

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  get knownBrokers(): readonly BrokerInfo[] {
    return this.brokers;
  }

  /** Cached metadata for these topics (or all, when undefined), or null when any is missing or old. */
  lookup(topics: readonly string[] | undefined): ClusterMetadata | null {
    const t = this.now();
    const fresh = (fetchedAt: number) => t - fetchedAt < this.maxAgeMs;
    let entries: Entry[];
    if (topics === undefined) {
      if (!fresh(this.allFetchedAt)) return null;
      entries = [...this.topics.values()];
    } else {
      entries = [];
      for (const name of topics) {
        const e = this.topics.get(name);
        if (e === undefined || !fresh(e.fetchedAt)) return null;
        entries.push(e);
      }
    }
    if (entries.some((e) => !fresh(e.fetchedAt))) return null;
    return this.view(entries.map((e) => e.topic));
  }

  /** Stores a response; `all` says it listed every topic, so topics absent from it are gone. */
  store(meta: ClusterMetadata, all: boolean): void {
    const t = this.now();
    this.brokers = meta.brokers;
    this.clusterId = meta.clusterId;
    this.controllerId = meta.controllerId;
    if (all) {
      this.topics.clear();
      this.allFetchedAt = t;
    }
    for (const topic of meta.topics) {
      // An errored answer about a topic (unknown, being created) is not something to serve later.
      if (topic.error === null && topic.partitions.every((p) => p.leader >= 0)) {
        this.topics.set(topic.name, { topic, fetchedAt: t });
      } else {
        this.topics.delete(topic.name);
      }
    }
  }

  /** Forgets a topic's entry so the next lookup fetches it, when `code` says leaders moved. */
  invalidate(topic: string, code?: number): boolean {
    if (code !== undefined && !STALE_METADATA_CODES.has(code)) return false;
    this.topics.delete(topic);
    this.allFetchedAt = -Infinity;
    return true;
  }

  private view(topics: TopicMetadata[]): ClusterMetadata {
    return { clusterId: this.clusterId, controllerId: this.controllerId, brokers: this.brokers, topics };
  }
}

import type { Subscription } from 'rxjs';
import type { ClusterClient, TopicState } from '../cluster/index.js';
import type { KafkaError } from '../errors.js';

export interface TopicInfo {
  readonly partitions: number;
  /** Leader broker id per partition, -1 when there is none. */
  readonly leaders: readonly number[];
  /** Partitions that have a leader (for sticky partitioning). */
  readonly available: readonly number[];
}

/**
 * The producer's view of its topics' partition counts and leaders, read synchronously on the
 * send path. Each topic used is watched through the client: its leaders follow the cluster
 * (a leadership error, a failed broker, every metadataMaxAgeMs), and added partitions are
 * taken up as they appear.
 */
export class TopicRegistry {
  private readonly known = new Map<string, TopicInfo>();
  private readonly watching = new Map<string, Subscription>();
  /** Watched topics not known yet whose last lookup failed. */
  private readonly failed = new Set<string>();
  /** The last topic looked up, and its info: records mostly come in runs of one topic. */
  private lastTopic: string | null = null;
  private lastInfo: TopicInfo | undefined = undefined;

  constructor(
    private readonly client: ClusterClient,
    /** Called when a topic's info arrives or changes, or a lookup of a topic not known yet fails. */
    private readonly onUpdate: (topic: string, info: TopicInfo | null, error: KafkaError | null) => void,
  ) {}

  get(topic: string): TopicInfo | undefined {
    if (topic === this.lastTopic) return this.lastInfo;
    const info = this.known.get(topic);
    this.lastTopic = topic;
    this.lastInfo = info;
    return info;
  }

  leader(topic: string, partition: number): number {
    return this.known.get(topic)?.leaders[partition] ?? -1;
  }

  /**
   * Follows a topic from now on; for one whose last lookup failed (unknown, unreachable), asks
   * again, as records wait on it.
   */
  watch(topic: string): void {
    if (!this.watching.has(topic)) this.start(topic);
    else if (this.failed.has(topic)) this.client.invalidateMetadata(topic);
  }

  /** Asks for a topic's metadata again: `errorCode` says its leaders moved, or a partition has none. */
  refresh(topic: string, errorCode?: number): void {
    if (!this.watching.has(topic)) this.start(topic);
    else this.client.invalidateMetadata(topic, errorCode);
  }

  private start(topic: string): void {
    const sub = this.client.watchTopic(topic).subscribe({
      next: (state) => this.update(topic, state),
      // the client closed: nothing more to follow
      error: () => this.watching.delete(topic),
    });
    if (!sub.closed) this.watching.set(topic, sub);
  }

  private update(topic: string, state: TopicState): void {
    const t = state.metadata;
    if (t === null || t.error !== null) {
      // a topic already known keeps routing by what was known; one not known yet fails its records
      if (!this.known.has(topic)) {
        this.failed.add(topic);
        this.onUpdate(topic, null, t?.error ?? state.failure);
      }
      return;
    }
    this.failed.delete(topic);
    const info: TopicInfo = {
      partitions: t.partitions.length,
      leaders: t.partitions.map((p) => p.leader),
      available: t.partitions.filter((p) => p.leader >= 0).map((p) => p.partition),
    };
    this.known.set(topic, info);
    this.lastTopic = null;
    this.onUpdate(topic, info, null);
  }

  close(): void {
    for (const s of this.watching.values()) s.unsubscribe();
    this.watching.clear();
  }
}

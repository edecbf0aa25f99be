import type { Subscription } from 'rxjs';
import type { ClusterClient, TopicMetadata } from '../cluster/index.js';
import type { KafkaError } from '../errors.js';

export interface PartitionLeader {
  leader: number;
  leaderEpoch: number;
  topicId: string | null;
}

/**
 * The leaders of the topics a consumer reads, following the cluster (client.watchTopic): a
 * leadership error or a failed broker refreshes them, and so does metadataMaxAgeMs. One watch
 * per topic, held while the topic has assigned partitions.
 */
interface Watch {
  subscription?: Subscription;
  metadata: TopicMetadata | null;
  failure: KafkaError | null;
}

export class TopicLeaders {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly client: ClusterClient,
    /** Told when a topic's metadata changes. */
    private readonly changed: (topic: string) => void,
  ) {}

  /** Watches exactly these topics from now on. */
  follow(topics: Iterable<string>): void {
    const wanted = new Set(topics);
    for (const [topic, w] of this.watches) {
      if (wanted.has(topic)) continue;
      w.subscription?.unsubscribe();
      this.watches.delete(topic);
    }
    for (const topic of wanted) {
      if (this.watches.has(topic)) continue;
      const entry: Watch = { metadata: null, failure: null };
      this.watches.set(topic, entry);
      entry.subscription = this.client.watchTopic(topic).subscribe({
        next: (state) => {
          entry.metadata = state.metadata ?? entry.metadata;
          entry.failure = state.failure;
          this.changed(topic);
        },
        // the watch ends only when the client closes
        error: () => undefined,
      });
    }
  }

  of(topic: string, partition: number): PartitionLeader | null {
    const meta = this.watches.get(topic)?.metadata;
    // metadata lists partitions in order: index first, search only if that one is not it
    const at = meta?.partitions[partition];
    const p = at?.partition === partition ? at : meta?.partitions.find((x) => x.partition === partition);
    if (meta == null || p === undefined || p.leader < 0) return null;
    return { leader: p.leader, leaderEpoch: p.leaderEpoch, topicId: meta.topicId };
  }

  /** Marks a topic's leaders stale after a leadership error: the watch fetches them again. */
  invalidate(topic: string, errorCode: number): void {
    this.client.invalidateMetadata(topic, errorCode);
  }

  close(): void {
    for (const w of this.watches.values()) w.subscription?.unsubscribe();
    this.watches.clear();
  }
}

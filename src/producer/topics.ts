import { catchError, EMPTY, type Subscription } from 'rxjs';
import type { ClusterClient } from '../cluster/index.js';
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
 * send path and refreshed through the client's metadata cache when a leader moves.
 */
export class TopicRegistry {
  private readonly known = new Map<string, TopicInfo>();
  private readonly refreshing = new Map<string, Subscription>();
  /** The last topic looked up, and its info: records mostly come in runs of one topic. */
  private lastTopic: string | null = null;
  private lastInfo: TopicInfo | undefined = undefined;

  constructor(
    private readonly client: ClusterClient,
    /** Called when a topic's info arrives or fails. */
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

  /** Asks for a topic's metadata unless that is already under way. */
  refresh(topic: string, errorCode?: number): void {
    if (errorCode !== undefined) this.client.invalidateMetadata(topic, errorCode);
    if (this.refreshing.has(topic)) return;
    const sub = this.client
      .metadata$([topic])
      .pipe(
        catchError((e: unknown) => {
          this.refreshing.delete(topic);
          this.onUpdate(topic, null, e as KafkaError);
          return EMPTY;
        }),
      )
      .subscribe((meta) => {
        this.refreshing.delete(topic);
        const t = meta.topics.find((x) => x.name === topic);
        if (t === undefined || t.error !== null) {
          this.onUpdate(topic, null, t?.error ?? null);
          return;
        }
        const leaders = t.partitions.map((p) => p.leader);
        const info: TopicInfo = {
          partitions: t.partitions.length,
          leaders,
          available: t.partitions.filter((p) => p.leader >= 0).map((p) => p.partition),
        };
        this.known.set(topic, info);
        this.lastTopic = null;
        this.onUpdate(topic, info, null);
      });
    if (!sub.closed) this.refreshing.set(topic, sub);
  }

  close(): void {
    for (const s of this.refreshing.values()) s.unsubscribe();
    this.refreshing.clear();
  }
}

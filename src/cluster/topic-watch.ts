import { filter, finalize, Observable, shareReplay, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { asKafkaError, type KafkaError } from '../errors.js';
import { backoffDelay, type BackoffOptions } from '../operators/retry-backoff.js';
import type { TopicMetadata } from './metadata.js';

/** What a lookup of a watched topic found: its metadata, or why it failed. */
export type TopicState = { readonly metadata: TopicMetadata; readonly failure: null } | { readonly metadata: null; readonly failure: KafkaError };

export interface TopicWatchOptions {
  /** Watched topics are fetched again this long after their last fetch. */
  maxAgeMs: number;
  /** Fetches of one topic asked for by stale marks are at least this far apart. */
  minIntervalMs: number;
  /** Between lookups after one failed, by count of failures in a row. */
  backoff: BackoffOptions;
  scheduler: SchedulerLike;
  random: () => number;
}

const samePartitions = (a: TopicMetadata, b: TopicMetadata) =>
  a.partitions.length === b.partitions.length &&
  a.partitions.every((p, i) => {
    const q = b.partitions[i];
    return p.partition === q.partition && p.leader === q.leader && p.leaderEpoch === q.leaderEpoch && p.error?.code === q.error?.code;
  });

/** Healthy metadata that routes as before; a failure or a topic error is news each time (records wait on it). */
const sameState = (a: TopicState, b: TopicState) =>
  a.metadata !== null &&
  b.metadata !== null &&
  a.metadata.error === null &&
  b.metadata.error === null &&
  a.metadata.topicId === b.metadata.topicId &&
  samePartitions(a.metadata, b.metadata);

/**
 * Topics whose metadata someone follows (a producer routing to their leaders, later a
 * consumer): each is fetched when first watched, again when marked stale (a leadership error, a
 * failure of a broker leading one of its partitions), and every maxAgeMs, so new partitions and
 * moved leaders are seen without an error. One stream per topic, shared, replaying the latest.
 */
export class TopicWatch {
  private readonly streams = new Map<string, Observable<TopicState>>();
  /** The latest metadata of each watched topic, to find those a failed broker leads. */
  private readonly latest = new Map<string, TopicMetadata>();
  private readonly stale = new Subject<string>();

  constructor(
    /** A lookup of one topic (from cache while fresh, unless `fromBroker`): its metadata, or an error. */
    private readonly fetch: (topic: string, fromBroker: boolean) => Observable<TopicMetadata>,
    private readonly options: TopicWatchOptions,
  ) {}

  watch(topic: string): Observable<TopicState> {
    let stream = this.streams.get(topic);
    if (stream === undefined) {
      stream = this.follow(topic).pipe(
        finalize(() => {
          this.streams.delete(topic);
          this.latest.delete(topic);
        }),
        shareReplay({ bufferSize: 1, refCount: true }),
      );
      this.streams.set(topic, stream);
    }
    return stream;
  }

  /** Asks for a topic's metadata again soon, if it is watched. */
  markStale(topic: string): void {
    this.stale.next(topic);
  }

  /** The watched topics with a partition led by `nodeId`. */
  ledBy(nodeId: number): string[] {
    return [...this.latest].filter(([, t]) => t.partitions.some((p) => p.leader === nodeId)).map(([name]) => name);
  }

  private follow(topic: string): Observable<TopicState> {
    const options = this.options;
    const { scheduler } = options;
    const fetch = this.fetch;
    return new Observable<TopicState>((subscriber) => {
      let last: TopicState | null = null;
      let lastFetchAt = -Infinity;
      let failures = 0;
      let timer: Subscription | null = null;
      let fetching: Subscription | null = null;
      /** A stale mark came while a fetch was under way: fetch again after it. */
      let again = false;

      const emit = (state: TopicState) => {
        if (state.metadata !== null) this.latest.set(topic, state.metadata);
        if (last !== null && sameState(last, state)) return;
        last = state;
        subscriber.next(state);
      };
      const at = (delayMs: number, fromBroker = false) => {
        timer?.unsubscribe();
        timer = scheduler.schedule(() => run(fromBroker), Math.max(0, delayMs));
      };
      const soon = () => at(lastFetchAt + options.minIntervalMs - scheduler.now());
      const settled = (next: () => void) => {
        fetching = null;
        if (again) {
          again = false;
          soon();
        } else next();
      };
      /** `fromBroker`: the periodic refresh, which another lookup may have made look fresh in cache. */
      function run(fromBroker: boolean): void {
        timer = null;
        lastFetchAt = scheduler.now();
        const sub = fetch(topic, fromBroker).subscribe({
          next: (metadata) => {
            failures = 0;
            emit({ metadata, failure: null });
          },
          error: (e: unknown) => {
            emit({ metadata: null, failure: asKafkaError(e) });
            settled(() => at(backoffDelay(++failures, options.backoff, options.random)));
          },
          complete: () => settled(() => at(options.maxAgeMs, true)),
        });
        // a lookup served from cache has settled already
        if (!sub.closed) fetching = sub;
      }
      const marks = this.stale.pipe(filter((t) => t === topic)).subscribe(() => {
        if (fetching !== null) again = true;
        else soon();
      });
      run(false);
      return () => {
        marks.unsubscribe();
        timer?.unsubscribe();
        fetching?.unsubscribe();
      };
    });
  }
}

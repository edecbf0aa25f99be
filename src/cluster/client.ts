import {
  catchError,
  defer,
  distinctUntilChanged,
  firstValueFrom,
  map,
  mergeMap,
  Observable,
  of,
  startWith,
  Subject,
  tap,
  throwError,
  type Subscriber,
} from 'rxjs';
import { KafkaError, KafkaProtocolError } from '../errors.js';
import { FrameTooLargeError } from '../network/index.js';
import { isRetriableError } from '../operators/retriable.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import { FindCoordinator, Metadata, type Api, type Input, type MetadataRequest } from '../protocol/messages/index.js';
import { CircuitOpenError } from '../operators/circuit-breaker.js';
import { COORDINATOR_MOVED, Coordinators, coordinatorErrorIn, type CoordinatorType } from './coordinators.js';
import { BrokerChannel, isBrokerFailure, type BodyFor, type BrokerStats, type ChannelRequestOptions } from './broker-channel.js';
import { CONNECTION_PURPOSES } from './connection-purpose.js';
import { formatAddress, parseBrokerAddress } from './broker-address.js';
import { resolveConfig, type ClientConfig, type ResolvedConfig } from './config.js';
import { AllBrokersUnavailableError, ClientClosedError } from './errors.js';
import { toClusterMetadata, type BrokerInfo, type ClusterMetadata } from './metadata.js';
import { MetadataCache } from './metadata-cache.js';
import { TopicWatch, type TopicState } from './topic-watch.js';

export interface ClientRequestOptions extends ChannelRequestOptions {
  /**
   * Retry connection failures and timeouts against the same broker (default true). Callers
   * with their own retry policy (the producer) turn it off.
   */
  retry?: boolean;
}

/**
 * Where a request goes: a broker by id, by address, whichever answers first, or the
 * coordinator of a group or transactional id (looked up, cached, and followed when it moves).
 */
export type RequestTarget = { nodeId: number } | { address: string } | { coordinator: { type: CoordinatorType; key: string } } | 'any';

export interface ClientStats {
  brokers: BrokerStats[];
}

export interface ClusterClient {
  /** Cluster and topic metadata (all topics when none are named), from cache while fresh. */
  metadata(topics?: string[]): Promise<ClusterMetadata>;
  /** The same as a cold observable. */
  metadata$(topics?: string[]): Observable<ClusterMetadata>;
  /** The leader's broker id of one partition, refreshing metadata when unknown or stale. */
  leaderFor(topic: string, partition: number): Observable<number>;
  /**
   * Marks a topic's cached metadata stale when `errorCode` says its leadership changed
   * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, ...).
   * Returns whether it did.
   */
  invalidateMetadata(topic: string, errorCode?: number): boolean;
  /**
   * A topic's metadata as it changes, for routing: fetched now, again soon after a leadership
   * error (invalidateMetadata) or a failure of a broker leading one of its partitions, and every
   * `metadataMaxAgeMs` while watched. Emits on change only; a failed lookup is a state (with the
   * last good metadata still what to route by), tried again with backoff. Hot, shared per topic,
   * replays the latest.
   */
  watchTopic(topic: string): Observable<TopicState>;
  /** A typed request to a broker, with retries, circuit breaking and version negotiation. */
  request<Req, Res>(target: RequestTarget, api: Api<Req, Res>, body: BodyFor<Req>, options?: ClientRequestOptions): Observable<Res>;
  /**
   * The broker id coordinating a group or a transactional id: FindCoordinator at the
   * negotiated version, cached per key until an answer says it moved. Cold.
   */
  coordinator(type: CoordinatorType, key: string): Observable<number>;
  /** Per-broker health and load; replays the current state and emits on every change. */
  readonly stats$: Observable<ClientStats>;
  /**
   * Makes `child` (a producer, a consumer) part of this client: `close()` closes it first, then
   * the connections. Returns the release, for a child that closes on its own. Throws
   * ClientClosedError once the client is closing.
   */
  own(child: Closable): () => void;
  /**
   * Closes what the client owns (each as its own close() would, flushing, with `options`), then
   * fails every request still under way with ClientClosedError and closes the connections.
   * Afterwards no timer or socket of the client's keeps the process alive. A second call waits
   * for the first (its options stand).
   */
  close(options?: ClientCloseOptions): Promise<void>;
}

/** How a client closes what it owns: each child's close() gets these. */
export interface ClientCloseOptions {
  /**
   * A consumer's bound on waiting for the acks of records it handed out (its default: 30 s).
   * Producers flush as their own close() does, within their deliveryTimeoutMs.
   */
  timeoutMs?: number;
}

/** Something a client closes with itself. */
export interface Closable {
  close(options?: ClientCloseOptions): Promise<void>;
}

/** Internal: asks metadata$ to try again; never reaches a caller (the last metadata is). */
class IncompleteMetadataError extends Error {
  constructor(readonly metadata: ClusterMetadata) {
    super('metadata names topics without leaders');
  }
}

const sameStats = (a: ClientStats, b: ClientStats) =>
  a.brokers.length === b.brokers.length &&
  a.brokers.every((x, i) => {
    const y = b.brokers[i];
    return (
      x.nodeId === y.nodeId && x.address === y.address && x.circuit === y.circuit && x.connections === y.connections &&
      x.inFlight === y.inFlight && x.requests === y.requests && x.errors === y.errors &&
      CONNECTION_PURPOSES.every((p) => x.connectionsByPurpose[p] === y.connectionsByPurpose[p])
    );
  });

/** Errors after which trying another broker may help. */
const tryAnother = (e: unknown) => isRetriableError(e) || e instanceof KafkaProtocolError || e instanceof FrameTooLargeError;

function metadataBody(version: number, topics: readonly string[] | undefined): Input<MetadataRequest> {
  return {
    // v0 has no "all topics" null: an empty list means all there.
    topics: topics === undefined ? (version === 0 ? [] : null) : topics.map((name) => ({ name })),
    allowAutoTopicCreation: true,
  };
}

class Client implements ClusterClient {
  private readonly changes = new Subject<void>();
  private readonly byAddress = new Map<string, BrokerChannel>();
  private readonly byNode = new Map<number, BrokerChannel>();
  private readonly bootstrap: BrokerChannel[];
  private readonly cache: MetadataCache;
  private readonly coordinators: Coordinators;
  private readonly watch: TopicWatch;
  private rotation = 0;
  /** Set once close() begins: own() refuses new children from then on (requests go on until `closed`). */
  private closing: Promise<void> | null = null;
  /** Set once the owned children are closed: requests are refused from then on. */
  private closed = false;
  private readonly children = new Set<Closable>();
  /** Subscribers of requests and metadata lookups under way, failed by close(). */
  private readonly live = new Set<Subscriber<unknown>>();

  readonly stats$: Observable<ClientStats>;

  constructor(private readonly config: ResolvedConfig) {
    this.cache = new MetadataCache(config.metadataMaxAgeMs, () => config.scheduler.now());
    this.bootstrap = config.bootstrap.map((b) => this.channel(formatAddress(b.host, b.port)));
    this.coordinators = new Coordinators((body) => this.anyBroker(FindCoordinator, body), config.retry, config.scheduler, config.random);
    this.watch = new TopicWatch(
      (topic, fromBroker) =>
        this.fetchMetadata([topic], fromBroker).pipe(
          map((meta) => {
            const t = meta.topics.find((x) => x.name === topic);
            if (t === undefined) throw new KafkaError(`metadata for ${topic} names no such topic`, { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
            return t;
          }),
        ),
      {
        maxAgeMs: config.metadataMaxAgeMs,
        minIntervalMs: config.retry.initialDelayMs,
        backoff: config.retry,
        scheduler: config.scheduler,
        random: config.random,
      },
    );
    this.stats$ = this.changes.pipe(
      startWith(undefined),
      map(() => ({ brokers: [...this.byAddress.values()].map((c) => c.stats()) })),
      distinctUntilChanged(sameStats),
    );
  }

  private channel(address: string): BrokerChannel {
    let c = this.byAddress.get(address);
    if (c === undefined) {
      c = new BrokerChannel(parseBrokerAddress(address, 'broker'), this.config, this.changes, (failed) => this.brokerFailed(failed));
      this.byAddress.set(address, c);
    }
    return c;
  }

  private registerBrokers(brokers: readonly BrokerInfo[]): void {
    for (const b of brokers) {
      const c = this.channel(formatAddress(b.host, b.port));
      const previous = this.byNode.get(b.id);
      if (previous !== undefined && previous !== c) previous.nodeId = null;
      c.nodeId = b.id;
      this.byNode.set(b.id, c);
    }
  }

  /**
   * Known brokers first, then bootstrap addresses; among them the least loaded first (fewest
   * requests under way, as the Java client's leastLoadedNode), in rotation among equals so load
   * and failures spread. A broker that has stopped answering holds its requests, so it is
   * asked last rather than made to time out a metadata or producer-id request too. Open
   * circuits, which fail fast anyway, come last of all.
   */
  private candidates(): BrokerChannel[] {
    const known = this.cache.knownBrokers.map((b) => this.channel(formatAddress(b.host, b.port)));
    const start = known.length > 0 ? this.rotation++ % known.length : 0;
    const ordered = [...known.slice(start), ...known.slice(0, start)];
    for (const b of this.bootstrap) if (!ordered.includes(b)) ordered.push(b);
    const rank = (c: BrokerChannel) => (c.breaker.state === 'open' ? Infinity : c.pending);
    // a stable sort: the rotation decides among equals
    return ordered.map((c) => ({ c, r: rank(c) })).sort((a, b) => a.r - b.r).map((x) => x.c);
  }

  private anyBroker<Req, Res>(api: Api<Req, Res>, body: BodyFor<Req>, options?: ChannelRequestOptions): Observable<Res> {
    return defer(() => {
      const candidates = this.candidates();
      const failures = new Map<string, unknown>();
      const from = (i: number): Observable<Res> =>
        i >= candidates.length
          ? throwError(() => new AllBrokersUnavailableError(failures))
          : candidates[i].attempt(api, body, options).pipe(
              catchError((e: unknown) => {
                if (!tryAnother(e)) throw e;
                failures.set(candidates[i].address, e);
                return from(i + 1);
              }),
            );
      return from(0);
    }).pipe(
      retryBackoff({
        ...this.config.retry,
        scheduler: this.config.scheduler,
        random: this.config.random,
        shouldRetry: (e) => e instanceof AllBrokersUnavailableError,
      }),
    );
  }

  /**
   * `source`, failed with ClientClosedError when the client closes while it runs: so its retry
   * waits, timeouts and connection attempts end with the client.
   */
  private untilClosed<T>(source: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closed) {
        subscriber.error(new ClientClosedError());
        return undefined;
      }
      this.live.add(subscriber);
      const inner = source.subscribe(subscriber);
      return () => {
        this.live.delete(subscriber);
        inner.unsubscribe();
      };
    });
  }

  request<Req, Res>(target: RequestTarget, api: Api<Req, Res>, body: BodyFor<Req>, options?: ClientRequestOptions): Observable<Res> {
    return this.untilClosed(this.route(target, api, body, options));
  }

  /** A request to its target, inside what untilClosed already watches. */
  private route<Req, Res>(target: RequestTarget, api: Api<Req, Res>, body: BodyFor<Req>, options?: ClientRequestOptions): Observable<Res> {
    const send = (c: BrokerChannel) => (options?.retry === false ? c.attempt(api, body, options) : c.request(api, body, options));
    return defer(() => {
      if (target === 'any') return this.anyBroker(api, body, options);
      if ('coordinator' in target) return this.toCoordinator(target.coordinator, api, body, options);
      if ('address' in target) return send(this.channel(target.address));
      const known = this.byNode.get(target.nodeId);
      if (known !== undefined) return send(known);
      // from a broker: the cached metadata does not know it (a coordinator that came up since)
      return this.fetchMetadata(undefined, true).pipe(
        mergeMap(() => {
          const c = this.byNode.get(target.nodeId);
          if (c === undefined) throw new KafkaError(`broker ${target.nodeId} is not in the cluster metadata`);
          return send(c);
        }),
      );
    });
  }

  coordinator(type: CoordinatorType, key: string): Observable<number> {
    return this.untilClosed(this.coordinators.lookup(type, key));
  }

  /**
   * A request to a coordinator. An answer naming NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE
   * (anywhere in it), or a failure of the coordinator's broker, drops the cached coordinator;
   * then, as for COORDINATOR_LOAD_IN_PROGRESS, the request goes again after a backoff, to the
   * coordinator looked up anew. So a coordinator that moves costs a retry.
   */
  private toCoordinator<Req, Res>(
    target: { type: CoordinatorType; key: string },
    api: Api<Req, Res>,
    body: BodyFor<Req>,
    options?: ClientRequestOptions,
  ): Observable<Res> {
    const { type, key } = target;
    return defer(() => {
      let nodeId = -1;
      return this.coordinators.lookup(type, key).pipe(
        mergeMap((id) => {
          nodeId = id;
          return this.route({ nodeId: id }, api, body, { ...options, retry: false });
        }),
        map((res) => {
          const code = coordinatorErrorIn(res);
          if (code === null) return res;
          if (COORDINATOR_MOVED.has(code)) this.coordinators.forget(type, key, nodeId);
          throw kafkaErrorFromCode(code, `${api.name} to the ${type} coordinator for ${key} (broker ${nodeId})`);
        }),
        catchError((e: unknown) => {
          if (nodeId >= 0 && (isBrokerFailure(e) || e instanceof CircuitOpenError)) this.coordinators.forget(type, key, nodeId);
          throw e;
        }),
      );
    }).pipe(
      // a lookup that found no broker at all was retried by the any-broker request already
      retryBackoff({ ...this.config.retry, scheduler: this.config.scheduler, random: this.config.random, shouldRetry: (e) => isRetriableError(e) && !(e instanceof AllBrokersUnavailableError) }),
    );
  }

  metadata$(topics?: string[]): Observable<ClusterMetadata> {
    return this.untilClosed(this.fetchMetadata(topics));
  }

  /** Metadata from cache or a broker, inside what untilClosed already watches. */
  private fetchMetadata(topics: string[] | undefined, fromBroker = false): Observable<ClusterMetadata> {
    return defer(() => {
      const cached = fromBroker ? null : this.cache.lookup(topics);
      if (cached !== null) return of(cached);
      return this.anyBroker(Metadata, (v) => metadataBody(v, topics)).pipe(
        map(toClusterMetadata),
        tap((meta) => {
          this.registerBrokers(meta.brokers);
          this.cache.store(meta, topics === undefined);
        }),
        map((meta) => {
          // A topic being created has no leader yet: ask again shortly rather than hand it out.
          const pending = meta.topics.some(
            (t) => t.error?.code === ErrorCode.LEADER_NOT_AVAILABLE || t.partitions.some((p) => p.leader < 0 || p.error?.code === ErrorCode.LEADER_NOT_AVAILABLE),
          );
          if (pending && topics !== undefined) throw new IncompleteMetadataError(meta);
          return meta;
        }),
        retryBackoff({
          ...this.config.retry,
          scheduler: this.config.scheduler,
          random: this.config.random,
          shouldRetry: (e) => e instanceof IncompleteMetadataError,
        }),
        catchError((e: unknown) => {
          if (e instanceof IncompleteMetadataError) return of(e.metadata);
          throw e;
        }),
      );
    });
  }

  metadata(topics?: string[]): Promise<ClusterMetadata> {
    return firstValueFrom(this.metadata$(topics));
  }

  leaderFor(topic: string, partition: number): Observable<number> {
    return this.metadata$([topic]).pipe(
      map((meta) => {
        const t = meta.topics.find((x) => x.name === topic);
        if (t?.error) throw t.error;
        const p = t?.partitions.find((x) => x.partition === partition);
        if (p === undefined) throw new KafkaError(`${topic}[${partition}] does not exist`, { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        if (p.leader < 0) throw new KafkaError(`${topic}[${partition}] has no leader`, { code: ErrorCode.LEADER_NOT_AVAILABLE, retriable: true });
        return p.leader;
      }),
    );
  }

  invalidateMetadata(topic: string, errorCode?: number): boolean {
    const stale = this.cache.invalidate(topic, errorCode);
    if (stale) this.watch.markStale(topic);
    return stale;
  }

  watchTopic(topic: string): Observable<TopicState> {
    return this.untilClosed(this.watch.watch(topic));
  }

  /** The leaders it had may have moved (a broker that is down has its partitions elected away). */
  private brokerFailed(channel: BrokerChannel): void {
    if (channel.nodeId === null) return;
    for (const topic of this.watch.ledBy(channel.nodeId)) this.invalidateMetadata(topic);
  }

  own(child: Closable): () => void {
    if (this.closing !== null) throw new ClientClosedError();
    this.children.add(child);
    return () => this.children.delete(child);
  }

  close(options: ClientCloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown(options);
    return this.closing;
  }

  private async shutDown(options: ClientCloseOptions): Promise<void> {
    // each child flushes through the connections, so they close first; one failing does not
    // keep the others (or the connections) open, and its failure is reported once all is closed
    const outcomes = await Promise.allSettled([...this.children].map(async (c) => c.close(options)));
    this.children.clear();
    this.closed = true;
    for (const s of [...this.live]) s.error(new ClientClosedError());
    for (const c of this.byAddress.values()) c.close();
    this.changes.next();
    this.changes.complete();
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'closing the client: some of what it owns failed to close');
  }
}

/** The cluster layer of a client. Invalid or unknown options are rejected here, by name. */
export function createClusterClient(config: ClientConfig): ClusterClient {
  return new Client(resolveConfig(config));
}

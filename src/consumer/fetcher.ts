import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { STALE_METADATA_CODES, type ClusterClient } from '../cluster/index.js';
import { asKafkaError, KafkaError } from '../errors.js';
import { ErrorCode, errorByCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import { Fetch, type FetchResponse, type FetchResponsePartitionData } from '../protocol/messages/index.js';
import type { AssignedPartition } from './assigned-partition.js';
import type { ResolvedConsumerConfig } from './config.js';
import { CorruptRecordError } from './errors.js';
import { readFetched, type FetchedRecords } from './fetched-records.js';
import { isolationCode } from './offsets.js';
import type { TopicLeaders } from './topic-leaders.js';
import { byTopic } from '../topic-partition.js';

/** Fetch v13 names topics by id; a topic whose id is unknown (older brokers) caps it below. */
const LAST_FETCH_VERSION_BY_NAME = 12;
/** After a partition error, before the partition is fetched again (the Java client's retry.backoff.ms). */
const PARTITION_BACKOFF_MS = 100;
/** How long a preferred read replica (KIP-392) is used before asking the leader again (the Java client: metadata.max.age.ms). */
const READ_REPLICA_MS = 300_000;

/** What the fetcher needs of its consumer. */
export interface FetchHost {
  readonly leaders: TopicLeaders;
  /** Partitions that may be fetched now: owned, position known, not paused by the user or by backpressure. */
  fetchable(): readonly AssignedPartition[];
  /** Bytes that may still be fetched before maxBufferedBytes is reached. */
  room(): number;
  /**
   * Records of a partition, fetched in `bytes`: the host hands them out at once, before the
   * next partition of the answer is decoded, so that records acked as they are handed die young
   * (an answer holds up to fetchMaxBytes of records; decoded all at once, they outlive the young
   * generation and most of the consumer's time goes to garbage collection).
   */
  fetched(p: AssignedPartition, records: FetchedRecords, bytes: number): void;
  /** A Fetch answered, every partition of it handed out. */
  answered(): void;
  /** OFFSET_OUT_OF_RANGE: the host applies autoOffsetReset. */
  outOfRange(p: AssignedPartition): void;
  /** An error that ends the consumer. */
  fail(error: KafkaError): void;
}

/**
 * One Fetch at a time per broker, naming every fetchable partition that broker leads (its
 * loop ends when it leads none, and wake() starts it again). Each partition's answer moves its
 * position; errors re-route (leadership), reset (out of range), back off, or end the consumer.
 */
export class Fetcher {
  private readonly loops = new Set<number>();
  private readonly inFlight = new Set<Subscription>();
  private wakeTimer: Subscription | null = null;
  /** Room taken by Fetches under way, so that loops of several brokers do not spend the same room. */
  private reserved = 0;
  private waking = false;
  private stopped = false;
  /** Counters for stats$. */
  fetches = 0;
  fetchedBytes = 0;

  constructor(
    private readonly client: ClusterClient,
    private readonly config: ResolvedConsumerConfig,
    private readonly scheduler: SchedulerLike,
    private readonly host: FetchHost,
    /** This consumer's own connections to each broker. */
    private readonly lane: string,
  ) {}

  /** Starts a loop for every broker that leads a fetchable partition and has none running. */
  wake(): void {
    // no room: acks that free some wake it again (a loop ending on no room must not restart at once)
    if (this.stopped || this.waking || this.roomLeft() <= 0) return;
    this.waking = true;
    try {
      for (const nodeId of this.leadersWithWork()) {
        if (this.loops.has(nodeId)) continue;
        this.loops.add(nodeId);
        void this.loop(nodeId);
      }
    } finally {
      this.waking = false;
    }
  }

  private roomLeft(): number {
    return Math.min(this.config.fetchMaxBytes, this.host.room() - this.reserved);
  }

  stop(): void {
    this.stopped = true;
    this.wakeTimer?.unsubscribe();
    for (const s of this.inFlight) s.unsubscribe();
    this.inFlight.clear();
  }

  private leadersWithWork(): Set<number> {
    const out = new Set<number>();
    const now = this.scheduler.now();
    let soonest = Infinity;
    for (const p of this.host.fetchable()) {
      if (p.fetching) continue;
      if (p.retryAt > now) {
        soonest = Math.min(soonest, p.retryAt);
        continue;
      }
      const node = this.nodeFor(p, now);
      if (node !== null) out.add(node);
    }
    if (soonest < Infinity) this.wakeAt(soonest);
    return out;
  }

  /** The broker to fetch a partition from: its preferred read replica while that holds, else its leader. */
  private nodeFor(p: AssignedPartition, now: number): number | null {
    if (p.readReplica !== null && now < p.readReplicaUntil) return p.readReplica;
    p.readReplica = null;
    return this.host.leaders.of(p.topic, p.partition)?.leader ?? null;
  }

  /** One wake-up at `at` (the earliest asked for), for partitions backing off. */
  private wakeAt(at: number): void {
    if (this.wakeTimer !== null && !this.wakeTimer.closed) return;
    this.wakeTimer = this.scheduler.schedule(() => {
      this.wakeTimer = null;
      this.wake();
    }, Math.max(0, at - this.scheduler.now()));
  }

  private async loop(nodeId: number): Promise<void> {
    try {
      while (!this.stopped) {
        const room = this.roomLeft();
        const now = this.scheduler.now();
        const parts = room <= 0 ? [] : this.host.fetchable().filter((p) => !p.fetching && p.retryAt <= now && this.nodeFor(p, now) === nodeId);
        if (parts.length === 0) return;
        this.reserved += room;
        try {
          await this.fetchFrom(nodeId, parts, room);
        } finally {
          this.reserved -= room;
        }
        this.host.answered();
        // the room it held is free again: loops of other brokers that stopped for lack of it go on
        this.wake();
      }
    } finally {
      this.loops.delete(nodeId);
      // partitions this broker no longer leads may now be led by a broker without a loop
      if (!this.stopped) this.wake();
    }
  }

  private async fetchFrom(nodeId: number, parts: AssignedPartition[], room: number): Promise<void> {
    const offsets = new Map<AssignedPartition, bigint>();
    for (const p of parts) {
      offsets.set(p, p.position as bigint);
      p.fetching = true;
    }
    const partsByTopic = byTopic(parts);
    let byName = false;
    const topicIds = new Map<string, string>();
    const topics = [...partsByTopic].map(([topic, list]) => {
      const topicId = this.host.leaders.of(topic, list[0].partition)?.topicId ?? null;
      if (topicId === null) byName = true;
      else topicIds.set(topicId, topic);
      return {
        topic,
        topicId: topicId ?? undefined,
        partitions: list.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: this.host.leaders.of(p.topic, p.partition)?.leaderEpoch ?? -1,
          fetchOffset: offsets.get(p) as bigint,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: Math.min(this.config.maxPartitionFetchBytes, room),
        })),
      };
    });
    let res: FetchResponse;
    try {
      res = await this.cancellable(
        this.client.request(
          { nodeId },
          Fetch,
          {
            replicaId: -1,
            maxWaitMs: this.config.fetchMaxWaitMs,
            minBytes: this.config.fetchMinBytes,
            maxBytes: room,
            isolationLevel: isolationCode(this.config.isolationLevel),
            sessionId: 0,
            sessionEpoch: -1,
            topics,
            forgottenTopicsData: [],
            rackId: this.config.rackId ?? '',
          },
          byName ? { maxVersion: LAST_FETCH_VERSION_BY_NAME, lane: this.lane } : { lane: this.lane },
        ),
      );
    } catch (e) {
      for (const p of parts) p.fetching = false;
      if (this.stopped) return;
      // the broker failed (its topics' leaders are refreshed by the client), or is not reachable
      // now; a read replica that failed is left for the leader
      const backoffUntil = this.scheduler.now() + PARTITION_BACKOFF_MS;
      for (const p of parts) {
        p.retryAt = backoffUntil;
        p.readReplica = null;
      }
      const error = asKafkaError(e);
      if (!error.retriable) this.host.fail(error);
      return;
    }
    this.fetches++;
    const answered = new Set<AssignedPartition>();
    try {
      for (const t of res.responses) {
        const topic = t.topic !== '' && partsByTopic.has(t.topic) ? t.topic : topicIds.get(t.topicId);
        const list = topic === undefined ? undefined : partsByTopic.get(topic);
        if (list === undefined) continue;
        for (const data of t.partitions) {
          const p = list.find((x) => x.partition === data.partitionIndex);
          if (p === undefined) continue;
          answered.add(p);
          await this.onPartition(p, offsets.get(p) as bigint, data, nodeId);
        }
      }
      if (res.errorCode !== 0) {
        const backoffUntil = this.scheduler.now() + PARTITION_BACKOFF_MS;
        for (const p of parts) if (!answered.has(p)) p.retryAt = backoffUntil;
      }
    } finally {
      for (const p of parts) p.fetching = false;
    }
  }

  private async onPartition(p: AssignedPartition, fetchOffset: bigint, data: FetchResponsePartitionData, nodeId: number): Promise<void> {
    if (p.acks.isRetired || p.position !== fetchOffset) return; // given up, or moved (seek) meanwhile
    if (data.highWatermark >= 0n) p.highWatermark = data.highWatermark;
    const code = data.errorCode;
    if (code !== ErrorCode.NONE && p.readReplica !== null) {
      // the read replica could not serve it (out of range there may be its lag): back to the
      // leader, which may name another
      p.readReplica = null;
      return;
    }
    if (code === ErrorCode.NONE && data.preferredReadReplica >= 0 && data.preferredReadReplica !== nodeId) {
      p.readReplica = data.preferredReadReplica;
      p.readReplicaUntil = this.scheduler.now() + READ_REPLICA_MS;
      if ((data.records?.length ?? 0) === 0) return;
    }
    if (code === ErrorCode.NONE) {
      const bytes = data.records?.length ?? 0;
      if (bytes === 0) return;
      let fetched: FetchedRecords;
      try {
        fetched = await readFetched(data.records as Buffer, fetchOffset, this.config.isolationLevel === 'read_committed' ? data.abortedTransactions ?? [] : null, p.newRecord);
      } catch (e) {
        this.host.fail(new CorruptRecordError(p.topic, p.partition, fetchOffset, e));
        return;
      }
      if (p.acks.isRetired || p.position !== fetchOffset) return;
      this.fetchedBytes += bytes;
      if (fetched.nextOffset === fetchOffset && fetched.records.length === 0) return; // a batch cut short: fetched again
      p.position = fetched.nextOffset;
      this.host.fetched(p, fetched, bytes);
      return;
    }
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      this.host.outOfRange(p);
      return;
    }
    if (STALE_METADATA_CODES.has(code) || code === ErrorCode.UNKNOWN_TOPIC_ID || code === ErrorCode.REPLICA_NOT_AVAILABLE || code === ErrorCode.KAFKA_STORAGE_ERROR) {
      this.host.leaders.invalidate(p.topic, STALE_METADATA_CODES.has(code) ? code : ErrorCode.NOT_LEADER_OR_FOLLOWER);
      p.retryAt = this.scheduler.now() + PARTITION_BACKOFF_MS;
      return;
    }
    if (errorByCode(code).retriable) {
      p.retryAt = this.scheduler.now() + PARTITION_BACKOFF_MS;
      return;
    }
    this.host.fail(kafkaErrorFromCode(code, `Fetch ${p.topic}[${p.partition}]`));
  }

  /** A request that stop() ends (it rejects then, and the loop ends). */
  private cancellable<T>(request: Observable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const subscription = request.subscribe({
        next: (v) => {
          settled = true;
          resolve(v);
        },
        error: (e: unknown) => {
          settled = true;
          reject(asKafkaError(e));
        },
        complete: () => {
          if (!settled) reject(new KafkaError('Fetch ended without an answer'));
        },
      });
      if (settled) return;
      this.inFlight.add(subscription);
      subscription.add(() => {
        this.inFlight.delete(subscription);
        if (!settled) reject(new KafkaError('fetch cancelled: the consumer is closing'));
      });
    });
  }
}

import { interval, map, Observable, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { ClientCloseOptions, ClusterClient } from '../cluster/index.js';
import { asKafkaError, KafkaError } from '../errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AssignedPartition } from './assigned-partition.js';
import { resolveConsumerConfig, type ConsumerConfig, type ResolvedConsumerConfig } from './config.js';
import { ConsumerClosedError, FencedInstanceIdError, NoGroupError, NotAssignedError, OffsetOutOfRangeError } from './errors.js';
import { Fetcher, type FetchHost } from './fetcher.js';
import type { FetchedRecords } from './fetched-records.js';
import { commitOffsets, EARLIEST, fetchCommitted, LATEST, listOffsets, NO_MEMBER, type CommitIdentity } from './offsets.js';
import { Outlets } from './outlets.js';
import { PartitionAcks, TrackedBatch } from './partition-acks.js';
import type { ConsumerBatch, ConsumerRecord, PartitionStream, RebalanceEvent } from './record.js';
import { TopicLeaders } from './topic-leaders.js';
import { partitionKey, type TopicPartition } from '../topic-partition.js';
import { GroupMembership, type MembershipHost } from './group/membership.js';

/** Numbers each consumer's own connection lane (its fetch and group connections). */
let consumers = 0;

/** After a failed offset lookup, before the next try. */
const LOOKUP_BACKOFF_MS = 100;
/** How long close() waits for the acks of records already handed out, by default. */
const CLOSE_TIMEOUT_MS = 30_000;

export interface PartitionStats extends TopicPartition {
  /** The next offset to fetch, null until known. */
  position: bigint | null;
  highWatermark: bigint;
  /** highWatermark − position, null until both are known. */
  lag: bigint | null;
  bufferedBytes: number;
  paused: boolean;
}

export interface ConsumerStats {
  memberId: string;
  generationId: number;
  assignment: PartitionStats[];
  /** Fetched and not yet acked, in bytes (bounded by maxBufferedBytes). */
  bufferedBytes: number;
  fetches: number;
  fetchedBytes: number;
  commits: number;
  commitFailures: number;
  rebalances: number;
}

/** `timeoutMs`: how long to wait for the acks of records already handed out. Default 30000. */
export type CloseOptions = ClientCloseOptions;

/**
 * A consumer: hot, shared streams of records (records$, batches$, partitions$) and of
 * assignment changes (rebalances$), over one group membership (or fixed partitions) and one
 * fetcher. Acks move commits: the committed offset of a partition follows the contiguous run
 * of acked records.
 */
export class Consumer implements FetchHost, MembershipHost {
  private readonly config: ResolvedConsumerConfig;
  readonly leaders: TopicLeaders;
  private readonly fetcher: Fetcher;
  private readonly outlets: Outlets;
  private readonly membership: GroupMembership | null;
  private readonly owned = new Map<string, AssignedPartition>();
  private readonly rebalanceEvents = new Subject<RebalanceEvent>();
  private readonly changes = new Subject<void>();
  private readonly release: () => void;
  private started = false;
  private failure: KafkaError | null = null;
  private closing: Promise<void> | null = null;
  private bufferedBytes = 0;
  private resolving = false;
  private resolveAgain = false;
  private lookupTimer: Subscription | null = null;
  private autoCommitTimer: Subscription | null = null;
  private commitChain: Promise<void> = Promise.resolve();
  /** A commit was refused for a rebalance: commit again once the member has joined. */
  private commitOnJoin = false;
  /** Emits when partitions are lost: a commit made for their generation must not go after it. */
  private readonly losses = new Subject<void>();
  private ackWaiters: Array<() => void> = [];
  private counters = { commits: 0, commitFailures: 0, rebalances: 0 };

  readonly records$: Observable<ConsumerRecord>;
  readonly batches$: Observable<ConsumerBatch>;
  readonly partitions$: Observable<PartitionStream>;
  readonly rebalances$: Observable<RebalanceEvent>;
  readonly stats$: Observable<ConsumerStats>;

  constructor(
    private readonly client: ClusterClient,
    config: ConsumerConfig,
    private readonly scheduler: SchedulerLike,
  ) {
    this.config = resolveConsumerConfig(config);
    // its own fetch and group connections: consumers sharing a client never wait on each other's
    // long polls or held JoinGroups
    const lane = `consumer-${++consumers}`;
    this.leaders = new TopicLeaders(client, () => {
      this.fetcher.wake();
      this.resolvePositions();
    });
    this.fetcher = new Fetcher(client, this.config, scheduler, this, lane);
    this.outlets = new Outlets(() => this.subscribed());
    this.membership = this.config.topics !== null ? new GroupMembership(client, this.config, scheduler, this, lane) : null;
    this.records$ = this.outlets.records$;
    this.batches$ = this.outlets.batches$;
    this.partitions$ = this.outlets.partitions$;
    this.rebalances$ = this.rebalanceEvents.asObservable();
    this.stats$ = new Observable<ConsumerStats>((subscriber) => {
      subscriber.next(this.snapshot());
      return this.changes.pipe(map(() => this.snapshot())).subscribe(subscriber);
    });
    this.release = client.own(this);
  }

  // ---- public API ---------------------------------------------------------------------------

  /**
   * Commits what is acked now (group mode, or assign with a groupId). With `offsets`, commits
   * exactly those instead, as the Java client's commitSync(offsets) does: each `offset` is the
   * next offset to read (Kafka's convention), forward or back, with no leader epoch. Every
   * partition named must be this consumer's when the commit goes (else `NotAssignedError`, and
   * nothing of the list is committed). Acks are left alone: what they move is committed as
   * before (interval, revoke, close, `commit()`), and may move the committed offset again.
   *
   * Rejects with `NoGroupError` without a groupId, and with the broker's error when the commit is
   * refused. A commit refused because the group is rebalancing (REBALANCE_IN_PROGRESS,
   * ILLEGAL_GENERATION) rejects too, and what is acked is committed again once the member has
   * joined; FENCED_INSTANCE_ID rejects with `FencedInstanceIdError` and ends the consumer.
   */
  commit(offsets?: ReadonlyArray<TopicPartition & { offset: bigint }>): Promise<void> {
    if (this.config.groupId === null) return Promise.reject(new NoGroupError('commit'));
    const next = this.commitChain.then(() => (offsets === undefined ? this.commitNow() : this.commitGiven(offsets)));
    this.commitChain = next.catch(() => undefined);
    return next;
  }

  /** Reads a partition from `offset` on: what was fetched or handed from before is dropped. */
  seek(target: TopicPartition & { offset: bigint | number }): void {
    const p = this.partitionOrThrow(target, 'seek');
    const offset = BigInt(target.offset);
    if (offset < 0n) throw new KafkaError(`seek ${target.topic}[${target.partition}]: offset must be >= 0`);
    p.acks.reposition(offset);
    p.position = offset;
    p.requestedOffset = null;
    p.retryAt = 0;
    this.changed();
    this.fetcher.wake();
  }

  /**
   * Stops fetching these partitions, and handing out what was fetched of them, until resume()
   * (as the Java client's pause: their buffered records wait, counted against maxBufferedBytes).
   */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.partitionOrThrow(tp, 'pause').paused = true;
    this.changed();
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.partitionOrThrow(tp, 'resume').paused = false;
    this.handOut();
    this.changed();
    this.fetcher.wake();
  }

  /**
   * Stops fetching, waits (at most `timeoutMs`) for the acks of records already handed out,
   * commits them, leaves the group (not for a static member), and completes every stream.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown(options.timeoutMs ?? CLOSE_TIMEOUT_MS);
    return this.closing;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    this.fetcher.stop();
    this.lookupTimer?.unsubscribe();
    this.autoCommitTimer?.unsubscribe();
    // every step within timeoutMs in all: a dead network must not hold close() for the retries
    const deadline = this.scheduler.now() + timeoutMs;
    const left = () => Math.max(0, deadline - this.scheduler.now());
    try {
      if (this.started && this.failure === null) {
        const owned = [...this.owned.values()];
        for (const p of owned) this.outlets.closePartition(p);
        await this.waitForAcks(owned, timeoutMs);
        if (this.config.groupId !== null) await this.within(this.commit().catch(() => undefined), left());
        // not those lost meanwhile (a commit refused with FENCED_INSTANCE_ID)
        const kept = owned.filter((p) => !p.acks.isRetired);
        if (kept.length > 0) {
          const { generationId, memberId } = this.membership?.identity ?? NO_MEMBER;
          this.rebalanceEvents.next({ type: 'revoked', partitions: kept.map((p) => ({ topic: p.topic, partition: p.partition })), generationId, memberId });
        }
      }
      if (this.membership !== null) await this.within(this.membership.leave(), left());
    } finally {
      for (const p of this.owned.values()) p.acks.retire();
      this.owned.clear();
      this.leaders.close();
      this.outlets.end(null);
      this.rebalanceEvents.complete();
      this.changes.complete();
      this.release();
    }
  }

  // ---- start --------------------------------------------------------------------------------

  private subscribed(): void {
    if (!this.started && this.closing === null) {
      this.started = true;
      if (this.membership !== null) this.membership.start();
      else this.assigned((this.config.assign ?? []).map((a) => ({ topic: a.topic, partition: a.partition, offset: a.offset })), -1, '');
      if (this.config.groupId !== null && this.config.autoCommitIntervalMs > 0) {
        // a failed auto-commit keeps its acks: the next one commits them
        this.autoCommitTimer = interval(this.config.autoCommitIntervalMs, this.scheduler).subscribe(() => void this.commit().catch(() => undefined));
      }
    }
    this.handOut();
  }

  // ---- assignment (MembershipHost) ----------------------------------------------------------

  /** Partitions now owned: their streams open, `assigned` is told, their positions are looked up. */
  assigned(parts: ReadonlyArray<TopicPartition & { offset?: bigint | number }>, generationId: number, memberId: string): void {
    if (this.closing !== null) return;
    const added: TopicPartition[] = [];
    for (const tp of parts) {
      const key = partitionKey(tp.topic, tp.partition);
      if (this.owned.has(key)) continue;
      const acks = new PartitionAcks(tp.topic, tp.partition, (delta) => this.bytesChanged(delta));
      this.owned.set(key, new AssignedPartition(tp.topic, tp.partition, acks, tp.offset === undefined ? null : BigInt(tp.offset)));
      added.push({ topic: tp.topic, partition: tp.partition });
    }
    this.counters.rebalances++;
    this.rebalanceEvents.next({ type: 'assigned', partitions: added, generationId, memberId });
    for (const tp of added) this.outlets.openPartition(tp);
    this.leaders.follow(new Set([...this.owned.values()].map((p) => p.topic)));
    this.changed();
    this.resolvePositions();
    if (this.commitOnJoin) {
      // joined again after a commit refused for the rebalance: it goes again, in this generation
      this.commitOnJoin = false;
      void this.commit().catch(() => undefined);
    }
  }

  /**
   * The revoke barrier: the partitions' streams complete, the acks of records already handed
   * out are waited for (at most rebalanceTimeoutMs), committed, and only then is `revoked` told.
   */
  async revoke(parts: readonly TopicPartition[], generationId: number, memberId: string, member: CommitIdentity): Promise<void> {
    const going = parts.map((tp) => this.owned.get(partitionKey(tp.topic, tp.partition))).filter((p): p is AssignedPartition => p !== undefined);
    for (const p of going) {
      p.paused = true; // no more fetching
      p.acks.dropUnhanded();
      this.outlets.closePartition(p);
    }
    await this.waitForAcks(going, this.config.rebalanceTimeoutMs);
    if (this.config.groupId !== null) await this.commitPartitions(going, member).catch(() => undefined);
    for (const p of going) {
      p.acks.retire();
      this.owned.delete(partitionKey(p.topic, p.partition));
    }
    this.counters.rebalances++;
    this.rebalanceEvents.next({ type: 'revoked', partitions: going.map((p) => ({ topic: p.topic, partition: p.partition })), generationId, memberId });
    this.changed();
  }

  /** Partitions taken away without a barrier (session expired, fenced): nothing of them is committed. */
  lost(parts: readonly TopicPartition[], generationId: number, memberId: string): void {
    const gone: TopicPartition[] = [];
    for (const tp of parts) {
      const key = partitionKey(tp.topic, tp.partition);
      const p = this.owned.get(key);
      if (p === undefined) continue;
      p.acks.retire();
      this.owned.delete(key);
      this.outlets.closePartition(p);
      gone.push({ topic: p.topic, partition: p.partition });
    }
    this.losses.next();
    this.counters.rebalances++;
    this.rebalanceEvents.next({ type: 'lost', partitions: gone, generationId, memberId });
    this.changed();
  }

  ownedPartitions(): TopicPartition[] {
    return [...this.owned.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  // ---- positions ----------------------------------------------------------------------------

  /** Looks up where partitions without a position start: asked offset, committed offset, or reset. */
  private resolvePositions(): void {
    if (this.resolving) {
      this.resolveAgain = true;
      return;
    }
    const wanting = [...this.owned.values()].filter((p) => p.position === null);
    if (wanting.length === 0 || this.closing !== null || this.failure !== null) return;
    this.resolving = true;
    this.resolveAgain = false;
    this.lookUp(wanting).then(
      (retry) => {
        this.resolving = false;
        this.changed();
        this.fetcher.wake();
        if (this.resolveAgain) this.resolvePositions();
        else if (retry) this.retryLookup();
      },
      (e: unknown) => {
        this.resolving = false;
        this.fail(asKafkaError(e));
      },
    );
  }

  private retryLookup(): void {
    if (this.lookupTimer !== null && !this.lookupTimer.closed) return;
    this.lookupTimer = this.scheduler.schedule(() => {
      this.lookupTimer = null;
      this.resolvePositions();
    }, LOOKUP_BACKOFF_MS);
  }

  /** Resolves what it can; true when some partitions must be asked again (after a backoff). */
  private async lookUp(wanting: AssignedPartition[]): Promise<boolean> {
    let retry = false;
    const start = (p: AssignedPartition, offset: bigint) => {
      if (p.acks.isRetired || p.position !== null) return;
      p.position = offset;
      p.acks.startAt(offset);
    };
    const needReset: AssignedPartition[] = [];
    const needCommitted: AssignedPartition[] = [];
    for (const p of wanting) {
      if (p.requestedOffset !== null) start(p, p.requestedOffset);
      else if (this.config.groupId !== null && !p.resetting) needCommitted.push(p);
      else needReset.push(p);
    }
    if (needCommitted.length > 0) {
      try {
        const committed = await fetchCommitted(this.client, this.config.groupId as string, needCommitted);
        for (const p of needCommitted) {
          const offset = committed.get(partitionKey(p.topic, p.partition)) ?? null;
          if (offset !== null) start(p, offset);
          else needReset.push(p);
        }
      } catch (e) {
        if (!asKafkaError(e).retriable && asKafkaError(e).code !== ErrorCode.UNSTABLE_OFFSET_COMMIT) throw e;
        retry = true;
      }
    }
    if (needReset.length === 0) return retry;
    if (this.config.autoOffsetReset === 'none') {
      const p = needReset[0];
      throw new OffsetOutOfRangeError(p.topic, p.partition, p.resetFrom);
    }
    const timestamp = this.config.autoOffsetReset === 'earliest' ? EARLIEST : LATEST;
    const byLeader = new Map<number, Array<{ p: AssignedPartition; leaderEpoch: number }>>();
    for (const p of needReset) {
      const leader = this.leaders.of(p.topic, p.partition);
      if (leader === null) continue; // asked again once its leader is known
      const list = byLeader.get(leader.leader) ?? [];
      list.push({ p, leaderEpoch: leader.leaderEpoch });
      byLeader.set(leader.leader, list);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        try {
          const answers = await listOffsets(this.client, leader, this.config.isolationLevel, list.map(({ p, leaderEpoch }) => ({ topic: p.topic, partition: p.partition, timestamp, leaderEpoch })));
          for (const { p } of list) {
            const a = answers.get(partitionKey(p.topic, p.partition));
            if (a?.offset != null && a.offset >= 0n) {
              start(p, a.offset);
              p.resetting = false;
            } else {
              if (a?.error?.retriable === false) throw a.error;
              if (a?.error) this.leaders.invalidate(p.topic, a.error.code);
              retry = true;
            }
          }
        } catch (e) {
          if (!asKafkaError(e).retriable) throw e;
          retry = true;
        }
      }),
    );
    return retry;
  }

  // ---- FetchHost ----------------------------------------------------------------------------

  fetchable(): readonly AssignedPartition[] {
    if (this.failure !== null || this.closing !== null) return [];
    const max = this.config.maxBufferedBytes;
    const fairShare = this.owned.size > 0 ? max / this.owned.size : max;
    const crowded = this.bufferedBytes > max / 2;
    const out: AssignedPartition[] = [];
    for (const p of this.owned.values()) {
      if (p.position === null || p.paused) continue;
      // past half the bound, the partitions holding the most wait for their acks
      if (crowded && p.acks.bufferedBytes > fairShare) continue;
      out.push(p);
    }
    return out;
  }

  room(): number {
    return this.config.maxBufferedBytes - this.bufferedBytes;
  }

  fetched(p: AssignedPartition, records: FetchedRecords, bytes: number): void {
    p.acks.add(new TrackedBatch(p.acks, p.topic, p.partition, records, bytes, p.highWatermark));
    // only this partition has anything new to hand out
    while (this.handNext(p));
  }

  answered(): void {
    this.changed();
  }

  outOfRange(p: AssignedPartition): void {
    if (this.config.autoOffsetReset === 'none') {
      this.fail(new OffsetOutOfRangeError(p.topic, p.partition, p.position));
      return;
    }
    p.resetFrom = p.position;
    p.position = null;
    p.requestedOffset = null;
    p.resetting = true;
    this.resolvePositions();
  }

  fail(error: KafkaError): void {
    if (this.failure !== null || this.closing !== null) return;
    this.failure = error;
    this.fetcher.stop();
    this.autoCommitTimer?.unsubscribe();
    this.outlets.end(error);
    this.rebalanceEvents.error(error);
    this.membership?.stop();
  }

  // ---- handing out --------------------------------------------------------------------------

  /**
   * Hands out every fetched batch someone observes, partition by partition in turn; in auto ack
   * mode each is acked once every subscriber had it.
   */
  private handOut(): void {
    let more = true;
    while (more) {
      more = false;
      for (const p of this.owned.values()) if (this.handNext(p)) more = true;
    }
  }

  /** Hands out the next batch of `p` if someone observes it; true when another one of it can go. */
  private handNext(p: AssignedPartition): boolean {
    if (this.failure !== null || p.paused || !p.acks.hasQueued || !this.outlets.observed(p)) return false;
    const batch = p.acks.nextToHand() as TrackedBatch;
    const from = batch.given;
    // records are handed while someone observes: those left when the last one goes wait for the next
    batch.given = this.outlets.hand(batch, from);
    if (this.config.ack === 'auto') p.acks.ackRange(batch, from, batch.given);
    return p.acks.hasQueued && batch.given === batch.records.length;
  }

  private bytesChanged(delta: number): void {
    this.bufferedBytes += delta;
    if (this.ackWaiters.length > 0) for (const w of this.ackWaiters.splice(0)) w();
    // room freed: fetching held back by the bound may go on
    if (delta < 0) this.fetcher.wake();
  }

  /** `work`, or nothing once `ms` have passed on the scheduler. */
  private within(work: Promise<void>, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.scheduler.schedule(() => resolve(), ms);
      const done = () => {
        timer.unsubscribe();
        resolve();
      };
      work.then(done, done);
    });
  }

  private waitForAcks(parts: readonly AssignedPartition[], timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.scheduler.schedule(() => finish(), timeoutMs);
      const finish = () => {
        timer.unsubscribe();
        resolve();
      };
      const check = () => {
        if (parts.every((p) => p.acks.allAcked || p.acks.isRetired)) finish();
        else this.ackWaiters.push(check);
      };
      check();
    });
  }

  // ---- commits ------------------------------------------------------------------------------

  private async commitNow(): Promise<void> {
    await this.commitPartitions([...this.owned.values()], this.membership?.identity ?? NO_MEMBER);
  }

  private async commitPartitions(parts: readonly AssignedPartition[], member: CommitIdentity): Promise<void> {
    const offsets: Array<{ p: AssignedPartition; offset: bigint; leaderEpoch: number }> = [];
    for (const p of parts) {
      const offset = p.acks.pending;
      if (offset !== null) offsets.push({ p, offset, leaderEpoch: p.acks.pendingEpoch });
    }
    await this.sendCommit(offsets, member, true);
  }

  /** commit(offsets): exactly these, for partitions owned now; the acks' commit point is left as it is. */
  private async commitGiven(given: ReadonlyArray<TopicPartition & { offset: bigint }>): Promise<void> {
    const offsets = given.map((o) => {
      const p = this.partitionOrThrow(o, 'commit');
      if (p.acks.isRetired) throw new NotAssignedError(o.topic, o.partition, 'commit');
      if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new KafkaError(`commit ${o.topic}[${o.partition}]: offset must be a bigint >= 0`);
      return { p, offset: o.offset, leaderEpoch: -1 };
    });
    await this.sendCommit(offsets, this.membership?.identity ?? NO_MEMBER, false);
  }

  /** One OffsetCommit; `acked`: the offsets are ack points, each noted as committed where it landed. */
  private async sendCommit(offsets: ReadonlyArray<{ p: AssignedPartition; offset: bigint; leaderEpoch: number }>, member: CommitIdentity, acked: boolean): Promise<void> {
    if (offsets.length === 0) return;
    let failures: Map<string, KafkaError>;
    try {
      failures = await commitOffsets(
        this.client,
        this.config.groupId as string,
        member,
        offsets.map(({ p, offset, leaderEpoch }) => ({ topic: p.topic, partition: p.partition, offset, leaderEpoch })),
        this.losses,
      );
    } catch (e) {
      this.counters.commitFailures++;
      this.changed();
      throw asKafkaError(e);
    }
    if (acked) for (const { p, offset } of offsets) if (!failures.has(partitionKey(p.topic, p.partition))) p.acks.committedAt(offset);
    this.counters.commits++;
    this.changed();
    const first = failures.values().next();
    if (!first.done) {
      this.counters.commitFailures++;
      if (this.membership?.commitRefused(first.value) === true) this.commitOnJoin = true;
      if (first.value.code === ErrorCode.FENCED_INSTANCE_ID) {
        throw this.failure instanceof FencedInstanceIdError ? this.failure : new FencedInstanceIdError(this.config.groupInstanceId ?? '');
      }
      throw first.value;
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private partitionOrThrow(tp: TopicPartition, what: string): AssignedPartition {
    if (this.closing !== null) throw new ConsumerClosedError();
    const p = this.owned.get(partitionKey(tp.topic, tp.partition));
    if (p === undefined) throw new NotAssignedError(tp.topic, tp.partition, what);
    return p;
  }

  private changed(): void {
    if (this.changes.observed) this.changes.next();
  }

  private snapshot(): ConsumerStats {
    const identity = this.membership?.identity ?? NO_MEMBER;
    return {
      memberId: identity.memberId,
      generationId: identity.generationId,
      assignment: [...this.owned.values()].map((p) => ({
        topic: p.topic,
        partition: p.partition,
        position: p.position,
        highWatermark: p.highWatermark,
        lag: p.lag,
        bufferedBytes: p.acks.bufferedBytes,
        paused: p.paused,
      })),
      bufferedBytes: this.bufferedBytes,
      fetches: this.fetcher.fetches,
      fetchedBytes: this.fetcher.fetchedBytes,
      ...this.counters,
    };
  }
}

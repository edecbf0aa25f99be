import { catchError, EMPTY, exhaustMap, firstValueFrom, interval, Subject, takeUntil, throwError, timeout, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { ClusterClient } from '../../cluster/index.js';
import { asKafkaError, KafkaError } from '../../errors.js';
import { ErrorCode, kafkaErrorFromCode } from '../../protocol/error-codes.js';
import { Heartbeat, JoinGroup, LeaveGroup, SyncGroup } from '../../protocol/messages/index.js';
import type { Assignor, AssignorMember } from '../assignors/assignor.js';
import { builtInAssignor } from '../assignors/index.js';
import type { ResolvedConsumerConfig } from '../config.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../consumer-protocol.js';
import { ConsumerClosedError, FencedInstanceIdError } from '../errors.js';
import { NO_MEMBER, type CommitIdentity } from '../offsets.js';
import { partitionKey, type TopicPartition } from '../../topic-partition.js';

const PROTOCOL_TYPE = 'consumer';
/** JoinGroup and SyncGroup are held by the coordinator for up to the rebalance timeout; the request waits that long, and this much more. */
const HELD_REQUEST_EXTRA_MS = 5_000;
/** How long a leader of other members waits before its SyncGroup (see joinAndSync). */
const LEADER_SYNC_DELAY_MS = 50;
/** After a failed join (coordinator unreachable, loading), before the next. */
const REJOIN_BACKOFF_MS = 100;

/** What the group membership needs of its consumer. */
export interface MembershipHost {
  /** Partitions now this member's, in generation `generationId`. */
  assigned(parts: readonly TopicPartition[], generationId: number, memberId: string): void;
  /** The revoke barrier for these partitions; resolves once their acks are committed (or waited out). */
  revoke(parts: readonly TopicPartition[], generationId: number, memberId: string, member: CommitIdentity): Promise<void>;
  /** Partitions taken away without a barrier (session lost, fenced). */
  lost(parts: readonly TopicPartition[], generationId: number, memberId: string): void;
  ownedPartitions(): TopicPartition[];
  fail(error: KafkaError): void;
}

const topicsKey = (topics: readonly string[]): string => [...topics].sort().join('\u0000');
const countsKey = (counts: ReadonlyMap<string, number>): string => [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, n]) => `${t}:${n}`).join('\u0000');

const sessionLost = () => kafkaErrorFromCode(ErrorCode.UNKNOWN_MEMBER_ID, 'no heartbeat answered within the session timeout');

/** Ends the heartbeat loop: the member must join again (a rebalance, or a follow-up one). */
class RejoinNeeded extends Error {}

/**
 * A member of a consumer group over the classic protocol: JoinGroup (MEMBER_ID_REQUIRED
 * answered by joining again with the id given), SyncGroup (the leader runs the assignor), then
 * heartbeats on their own schedule, so slow processing never costs the membership, until a
 * rebalance asks for a rejoin. Eager assignors give everything up before each join; when every
 * configured assignor is cooperative (KIP-429), partitions that stay are kept, and those moving
 * away are revoked after the sync and the member joins again at once.
 */
export class GroupMembership {
  private readonly groupId: string;
  private readonly assignors: Assignor[];
  private readonly cooperative: boolean;
  private memberId = '';
  private generationId = -1;
  private stopped = false;
  private readonly stopped$ = new Subject<void>();
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private rejoinAsked = false;
  /** The topics this member joined with, as a key. */
  private joinedWith = '';
  /** As leader: the topics it assigned and their partition counts then; null when not the leader. */
  private ledWith: { topics: string[]; counts: string } | null = null;
  /** Set while the member is in a generation: its id and generation, for commits. */
  identity: CommitIdentity = NO_MEMBER;

  constructor(
    private readonly client: ClusterClient,
    private readonly config: ResolvedConsumerConfig,
    private readonly scheduler: SchedulerLike,
    private readonly host: MembershipHost,
    /** This member's own group connection to the coordinator (a held JoinGroup blocks its connection). */
    private readonly lane: string,
  ) {
    this.groupId = config.groupId as string;
    this.assignors = config.assignors.map((a) => (typeof a === 'string' ? builtInAssignor(a) : a));
    this.cooperative = this.assignors.every((a) => a.protocol === 'cooperative');
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * A commit was refused. For a rebalance in progress or a stale generation: join again, and true
   * (the consumer commits again once joined). FENCED_INSTANCE_ID: out of the group for good, as
   * on a heartbeat (the partitions are lost, the consumer fails with FencedInstanceIdError).
   */
  commitRefused(error: KafkaError): boolean {
    if (error.code === ErrorCode.FENCED_INSTANCE_ID) {
      if (!this.stopped) this.fenced();
      return false;
    }
    if (error.code !== ErrorCode.REBALANCE_IN_PROGRESS && error.code !== ErrorCode.ILLEGAL_GENERATION && error.code !== ErrorCode.UNKNOWN_MEMBER_ID) return false;
    this.askRejoin();
    return true;
  }

  /** Ends the membership without leaving (the consumer failed). */
  stop(): void {
    this.stopped = true;
    this.stopped$.next();
    this.wake?.();
  }

  /** Leaves the group (not a static member: its partitions wait for it within the session timeout). */
  async leave(): Promise<void> {
    const memberId = this.memberId;
    this.stop();
    await this.running?.catch(() => undefined);
    if (memberId === '' || this.config.groupInstanceId !== null) return;
    await firstValueFrom(
      this.client.request({ coordinator: { type: 'group', key: this.groupId } }, LeaveGroup, {
        groupId: this.groupId,
        memberId,
        members: [{ memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
      }),
    ).catch(() => undefined); // the session expires it anyway
  }

  private askRejoin(): void {
    this.rejoinAsked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.cooperative) await this.revokeAll();
        const followUp = await this.joinAndSync();
        if (this.stopped) return;
        if (!followUp) await this.heartbeatUntilRejoin();
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof RejoinNeeded) continue;
        if (!(await this.recover(asKafkaError(e)))) return;
      }
    }
  }

  /** After a failure: true to join again (after a backoff where it helps), false when the consumer ends. */
  private async recover(error: KafkaError): Promise<boolean> {
    switch (error.code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return true;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        // out of the generation: what it owned may already be another's
        this.loseAll();
        if (error.code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        return true;
      case ErrorCode.FENCED_INSTANCE_ID:
        this.fenced();
        return false;
    }
    if (!error.retriable) {
      this.host.fail(error);
      return false;
    }
    await this.pause(REJOIN_BACKOFF_MS);
    return true;
  }

  /** Another member took this one's groupInstanceId: its partitions are lost, the consumer ends. */
  private fenced(): void {
    this.loseAll();
    this.host.fail(new FencedInstanceIdError(this.config.groupInstanceId ?? ''));
  }

  private loseAll(): void {
    const owned = this.host.ownedPartitions();
    this.identity = NO_MEMBER;
    if (owned.length > 0) this.host.lost(owned, this.generationId, this.memberId);
    this.generationId = -1;
  }

  private async revokeAll(): Promise<void> {
    const owned = this.host.ownedPartitions();
    if (owned.length > 0) await this.revoke(owned, this.generationId);
  }

  /**
   * The revoke barrier, heartbeating meanwhile as Java's heartbeat thread does during
   * onPartitionsRevoked: the acks it waits for may take longer than a session, and a member silent
   * for a session is expired, its partitions given to others while it still holds them. The
   * barrier itself is bounded by rebalanceTimeoutMs, the time the coordinator waits for a rejoin.
   */
  private async revoke(parts: readonly TopicPartition[], generationId: number): Promise<void> {
    const beats = interval(this.config.heartbeatIntervalMs, this.scheduler)
      .pipe(
        exhaustMap(() =>
          this.heartbeat().pipe(catchError(() => EMPTY)), // REBALANCE_IN_PROGRESS is the expected answer; the join after tells the rest
        ),
      )
      .subscribe();
    try {
      await this.host.revoke(parts, generationId, this.memberId, this.identity);
    } finally {
      beats.unsubscribe();
    }
  }

  /** One join and sync; true when partitions were revoked and a follow-up rebalance is due (cooperative). */
  private async joinAndSync(): Promise<boolean> {
    this.rejoinAsked = false;
    const owned = this.cooperative ? this.host.ownedPartitions() : [];
    const generationId = this.cooperative ? this.generationId : -1;
    const topics = await this.subscribedTopics();
    this.joinedWith = topicsKey(topics);
    const protocols = this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        ownedPartitions: owned,
        generationId,
        rackId: this.config.rackId,
        userData: a.subscriptionUserData?.({ topics, ownedPartitions: owned, generationId }) ?? null,
      }),
    }));
    const heldMs = this.config.rebalanceTimeoutMs + HELD_REQUEST_EXTRA_MS;
    let joined = await this.join(protocols, heldMs);
    if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = joined.memberId;
      joined = await this.join(protocols, heldMs);
    }
    if (joined.errorCode !== 0) throw kafkaErrorFromCode(joined.errorCode, `JoinGroup ${this.groupId}`);
    this.memberId = joined.memberId;
    const generation = joined.generationId;
    const protocolName = joined.protocolName ?? '';
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (assignor === undefined) throw new KafkaError(`JoinGroup ${this.groupId}: the group chose assignor '${protocolName}', which this member does not have`);
    this.ledWith = null;
    const leading = joined.leader === joined.memberId && !joined.skipAssignment;
    const assignments = leading ? await this.lead(assignor, joined.members) : [];
    // A leader of others syncs a moment after them: librdkafka 2.0's mock completes the sync on
    // the leader's SyncGroup and refuses any that comes after (INVALID_REQUEST), where a Kafka
    // broker would answer it with the assignment. The followers send theirs on the JoinGroup
    // answer, so a short wait lets them be first; it costs the rebalance that much.
    if (leading && joined.members.length > 1) await this.pause(LEADER_SYNC_DELAY_MS);
    const synced = await this.ask(
      this.client.request(
        { coordinator: { type: 'group', key: this.groupId } },
        SyncGroup,
        { groupId: this.groupId, generationId: generation, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId, protocolType: PROTOCOL_TYPE, protocolName, assignments },
        { timeoutMs: heldMs, lane: this.lane },
      ),
    );
    // librdkafka 2.0's mock answers a SyncGroup that comes after the leader's (the group already
    // synced without waiting for it) with INVALID_REQUEST; as librdkafka does, join again
    if (synced.errorCode === ErrorCode.INVALID_REQUEST) {
      await this.pause(REJOIN_BACKOFF_MS);
      throw new RejoinNeeded();
    }
    if (synced.errorCode !== 0) throw kafkaErrorFromCode(synced.errorCode, `SyncGroup ${this.groupId}`);
    const assigned = decodeAssignment(synced.assignment).partitions;
    this.generationId = generation;
    this.identity = { generationId: generation, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId };
    const now = new Set(assigned.map((tp) => partitionKey(tp.topic, tp.partition)));
    const had = new Set(this.host.ownedPartitions().map((tp) => partitionKey(tp.topic, tp.partition)));
    const revoked = this.host.ownedPartitions().filter((tp) => !now.has(partitionKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !had.has(partitionKey(tp.topic, tp.partition)));
    if (revoked.length > 0) await this.revoke(revoked, generation);
    this.host.assigned(added, generation, this.memberId);
    // cooperative: what was revoked is assigned to its new owner in a follow-up rebalance
    return this.cooperative && revoked.length > 0;
  }

  private join(protocols: Array<{ name: string; metadata: Buffer }>, heldMs: number) {
    return this.ask(
      this.client.request(
        { coordinator: { type: 'group', key: this.groupId } },
        JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: this.config.sessionTimeoutMs,
          rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.config.groupInstanceId,
          protocolType: PROTOCOL_TYPE,
          protocols,
          reason: null,
        },
        { timeoutMs: heldMs, lane: this.lane },
      ),
    );
  }

  /** The topics this member subscribes to: the configured names, or those matching its RegExp now. */
  private async subscribedTopics(): Promise<string[]> {
    const topics = this.config.topics;
    if (topics === null) return [];
    if (!(topics instanceof RegExp)) return [...topics];
    const meta = await this.client.metadata();
    return meta.topics.filter((t) => !t.isInternal && topics.test(t.name)).map((t) => t.name);
  }

  /** Partition counts of the topics that exist now (one not created yet has none, and is assigned once it is). */
  private async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const meta = await this.client.metadata([...topics]);
    for (const t of meta.topics) if (t.error === null && t.partitions.length > 0) counts.set(t.name, t.partitions.length);
    return counts;
  }

  /**
   * Whether the group must rebalance for a change of the cluster: topics matching this member's
   * RegExp came or went, or (as leader) a subscribed topic appeared or gained partitions.
   * Metadata comes from the client's cache, refreshed every metadataMaxAgeMs.
   */
  private async subscriptionChanged(): Promise<boolean> {
    if (this.config.topics instanceof RegExp && topicsKey(await this.subscribedTopics()) !== this.joinedWith) return true;
    const led = this.ledWith;
    return led !== null && countsKey(await this.partitionCounts(led.topics)) !== led.counts;
  }

  /** The leader's work: every member's assignment, from the chosen assignor. */
  private async lead(assignor: Assignor, members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>) {
    const decoded: AssignorMember[] = members.map((m) => {
      const s = decodeSubscription(m.metadata);
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: s.topics, userData: s.userData, ownedPartitions: s.ownedPartitions, generationId: s.generationId, rackId: s.rackId };
    });
    const topics = [...new Set(decoded.flatMap((m) => m.topics))];
    const partitionsPerTopic = await this.partitionCounts(topics);
    this.ledWith = { topics, counts: countsKey(partitionsPerTopic) };
    const result = assignor.assign(decoded, partitionsPerTopic);
    return decoded.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? { partitions: [] }) }));
  }

  /** One Heartbeat of the current generation, to the coordinator. */
  private heartbeat() {
    return this.client.request({ coordinator: { type: 'group', key: this.groupId } }, Heartbeat, {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.config.groupInstanceId,
    });
  }

  /**
   * Heartbeats every heartbeatIntervalMs until the group asks for a rejoin (or a commit was
   * refused for one); errors that end the generation are thrown.
   */
  private async heartbeatUntilRejoin(): Promise<void> {
    let lastOk = this.scheduler.now();
    while (!this.stopped) {
      await this.pause(this.config.heartbeatIntervalMs);
      if (this.stopped) return;
      if (this.rejoinAsked) throw new RejoinNeeded();
      let code: number;
      // unanswered for a whole session (retries included), the member is out of the group
      const left = lastOk + this.config.sessionTimeoutMs - this.scheduler.now();
      try {
        const res = await this.ask(
          this.heartbeat().pipe(timeout({ first: Math.max(left, 1), scheduler: this.scheduler, with: () => throwError(() => sessionLost()) })),
        );
        code = res.errorCode;
      } catch (e) {
        const error = asKafkaError(e);
        if (!error.retriable) throw error;
        if (this.scheduler.now() - lastOk >= this.config.sessionTimeoutMs) throw sessionLost();
        continue;
      }
      if (code === 0) {
        lastOk = this.scheduler.now();
        if (await this.subscriptionChanged().catch(() => false)) throw new RejoinNeeded();
        continue;
      }
      if (code === ErrorCode.REBALANCE_IN_PROGRESS) throw new RejoinNeeded();
      throw kafkaErrorFromCode(code, `Heartbeat ${this.groupId}`);
    }
  }

  /** A request's answer; stop() ends the wait (with ConsumerClosedError), so leave() never waits on a join held forever. */
  private ask<T>(request: Observable<T>): Promise<T> {
    // asked after stop(): stopped$ has fired already, so takeUntil would not end the wait
    if (this.stopped) return Promise.reject(new ConsumerClosedError());
    return firstValueFrom(request.pipe(takeUntil(this.stopped$)), { defaultValue: undefined }).then((v) => {
      if (this.stopped) throw new ConsumerClosedError();
      return v as T;
    });
  }

  /** Waits `ms` on the scheduler; stop() or a rejoin request ends the wait early. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = timer(ms, this.scheduler).subscribe(() => done());
      const done = () => {
        t.unsubscribe();
        this.wake = null;
        resolve();
      };
      this.wake = done;
    });
  }
}

import { randomUUID } from 'node:crypto';
import { Subscription } from 'rxjs';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { RequestContext } from './handler.js';
import type { ClusterState } from './state.js';
import { Group, sameProtocols, type GroupMember, type GroupProtocol, type JoinAnswer, type SyncAnswer } from './group-state.js';

/** Kafka's broker-side bounds on a member's session timeout, widened below so tests can be fast. */
const MIN_SESSION_TIMEOUT_MS = 1;
const MAX_SESSION_TIMEOUT_MS = 1_800_000;
const EMPTY = Buffer.alloc(0);

export interface JoinParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a dynamic member's first join only gets an id (MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
}

export interface SyncParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>;
}

export interface MemberRef {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/**
 * The classic-protocol group coordinator of a mock cluster: one instance serves every broker
 * (handlers check that the request reached the broker `coordinatorFor` names). JoinGroup and
 * SyncGroup answers are callbacks fired when the rebalance gets that far; all timers (session,
 * rebalance, pending member ids) run on the cluster's scheduler and die with the cluster.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly timers = new Subscription();
  private stopped = false;

  constructor(private readonly cluster: ClusterState) {
    cluster.onStop(() => {
      this.stopped = true;
      this.timers.unsubscribe();
    });
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  allGroups(): Group[] {
    return [...this.groups.values()];
  }

  join(p: JoinParams, answer: (a: JoinAnswer) => void): void {
    const fail = (errorCode: number, memberId = p.memberId) => answer(joinError(errorCode, memberId));
    if (p.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (p.sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || p.sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    if (p.protocolType === '' || p.protocols.length === 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    let group = this.groups.get(p.groupId);
    if (group === undefined) {
      if (p.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new Group(p.groupId);
      this.groups.set(p.groupId, group);
    }
    if (p.memberId === '') this.joinNew(group, p, answer, fail);
    else this.joinKnown(group, p, answer, fail);
  }

  sync(p: SyncParams, answer: (a: SyncAnswer) => void): void {
    const fail = (errorCode: number) => answer({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    const group = this.groups.get(p.groupId);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const invalid = this.validateMember(group, p);
    if (invalid !== 0) return fail(invalid);
    if ((p.protocolType !== null && p.protocolType !== group.protocolType) || (p.protocolName !== null && p.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = group.members.get(p.memberId) as GroupMember;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.startSession(group, member);
        return answer({ errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance': {
        member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
        member.awaitingSync = answer;
        this.cancelSession(member);
        if (member.memberId === group.leaderId) this.completeSync(group, p.assignments);
        return;
      }
    }
  }

  heartbeat(p: MemberRef): number {
    const group = this.groups.get(p.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    const invalid = this.validateMember(group, p);
    if (invalid !== 0) return invalid;
    const member = group.members.get(p.memberId) as GroupMember;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.startSession(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        // a member may heartbeat between its JoinGroup answer and its SyncGroup
        this.startSession(group, member);
        return 0;
    }
  }

  /** Removes members (by id, or by instance id for static members); an error code per member. */
  leave(groupId: string, members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null }>): number[] {
    const group = this.groups.get(groupId);
    if (group === undefined) return members.map(() => ErrorCode.UNKNOWN_MEMBER_ID);
    const codes = members.map((m) => this.leaveOne(group, m.memberId, m.groupInstanceId));
    return codes;
  }

  /**
   * Whether a commit may be stored: 0, or the error every partition answers with. A commit with
   * generation -1 and no member id is a standalone commit, allowed while the group has no members.
   */
  validateCommit(p: MemberRef): number {
    let group = this.groups.get(p.groupId);
    const standalone = p.generationId < 0 && p.memberId === '' && p.groupInstanceId === null;
    if (group === undefined) {
      if (!standalone) return ErrorCode.ILLEGAL_GENERATION;
      group = new Group(p.groupId);
      this.groups.set(p.groupId, group);
      return 0;
    }
    if (standalone) return group.state === 'Empty' ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
    const invalid = this.validateMember(group, p);
    if (invalid !== 0) return invalid;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.members.get(p.memberId) as GroupMember;
    if (group.state === 'Stable') this.startSession(group, member);
    return 0;
  }

  /** DeleteGroups for one group: 0, GROUP_ID_NOT_FOUND or NON_EMPTY_GROUP. */
  deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined && !this.cluster.offsets.hasGroup(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group !== undefined) {
      if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
      for (const t of group.pendingMembers.values()) this.cancel(t);
      group.state = 'Dead';
      this.groups.delete(groupId);
    }
    this.cluster.offsets.deleteGroup(groupId);
    return 0;
  }

  private joinNew(group: Group, p: JoinParams, answer: (a: JoinAnswer) => void, fail: (code: number, memberId?: string) => void): void {
    const oldId = p.groupInstanceId === null ? undefined : group.staticMembers.get(p.groupInstanceId);
    if (!group.acceptsProtocols(p.protocolType, p.protocols, oldId)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const newId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (oldId !== undefined) return this.replaceStaticMember(group, oldId, newId, p, answer);
    if (p.groupInstanceId === null && p.requireKnownMemberId) {
      group.pendingMembers.set(newId, this.schedule(() => this.expirePending(group, newId), p.sessionTimeoutMs));
      return fail(ErrorCode.MEMBER_ID_REQUIRED, newId);
    }
    this.addAndJoin(group, newId, p, answer);
  }

  private joinKnown(group: Group, p: JoinParams, answer: (a: JoinAnswer) => void, fail: (code: number) => void): void {
    const pending = group.pendingMembers.get(p.memberId);
    if (pending !== undefined) {
      this.cancel(pending);
      group.pendingMembers.delete(p.memberId);
      if (!group.acceptsProtocols(p.protocolType, p.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      return this.addAndJoin(group, p.memberId, p, answer);
    }
    if (p.groupInstanceId !== null) {
      const holder = group.staticMembers.get(p.groupInstanceId);
      if (holder !== undefined && holder !== p.memberId) return fail(ErrorCode.FENCED_INSTANCE_ID);
    }
    const member = group.members.get(p.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (!group.acceptsProtocols(p.protocolType, p.protocols, member.memberId)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const changed = member.protocolType !== p.protocolType || !sameProtocols(member.protocols, p.protocols);
    updateMember(member, p);
    const unchangedFollower = !changed && member.memberId !== group.leaderId;
    if ((group.state === 'CompletingRebalance' && !changed) || (group.state === 'Stable' && unchangedFollower)) {
      // it missed its JoinGroup answer or rejoins for nothing: the current generation stands
      this.startSession(group, member);
      // a leader still owes this generation's assignment: it must not skip it
      return answer(this.generationAnswer(group, member, group.state === 'CompletingRebalance'));
    }
    this.parkJoin(group, member, answer);
  }

  /**
   * A static member came back with a new member id: the old id is fenced. With the same
   * protocols in a stable group the new id takes over the old assignment without a rebalance.
   */
  private replaceStaticMember(group: Group, oldId: string, newId: string, p: JoinParams, answer: (a: JoinAnswer) => void): void {
    const old = group.members.get(oldId) as GroupMember;
    this.cancelSession(old);
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    const changed = old.protocolType !== p.protocolType || !sameProtocols(old.protocols, p.protocols);
    const member: GroupMember = { ...old, memberId: newId, awaitingJoin: null, awaitingSync: null, sessionTimer: null };
    updateMember(member, p);
    group.members.delete(oldId);
    group.members.set(newId, member);
    group.staticMembers.set(p.groupInstanceId as string, newId);
    if (group.leaderId === oldId) group.leaderId = newId;
    if (group.state === 'Stable' && !changed) {
      this.startSession(group, member);
      return answer(this.generationAnswer(group, member));
    }
    this.parkJoin(group, member, answer);
  }

  private addAndJoin(group: Group, memberId: string, p: JoinParams, answer: (a: JoinAnswer) => void): void {
    const member: GroupMember = {
      memberId,
      groupInstanceId: p.groupInstanceId,
      clientId: p.clientId,
      clientHost: p.clientHost,
      sessionTimeoutMs: p.sessionTimeoutMs,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs,
      protocolType: p.protocolType,
      protocols: p.protocols,
      assignment: EMPTY,
      awaitingJoin: null,
      awaitingSync: null,
      sessionTimer: null,
    };
    group.members.set(memberId, member);
    if (p.groupInstanceId !== null) group.staticMembers.set(p.groupInstanceId, memberId);
    group.leaderId ??= memberId;
    this.parkJoin(group, member, answer);
  }

  /** The member's JoinGroup waits for the rebalance (started now if none runs). */
  private parkJoin(group: Group, member: GroupMember, answer: (a: JoinAnswer) => void): void {
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.awaitingJoin = answer;
    // while it waits, the rebalance timeout, not its session, bounds it
    this.cancelSession(member);
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        const waiting = m.awaitingSync;
        m.awaitingSync = null;
        m.assignment = EMPTY;
        if (waiting) {
          this.startSession(group, m);
          waiting({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
        }
      }
    }
    group.state = 'PreparingRebalance';
    if (group.rebalanceTimer) this.cancel(group.rebalanceTimer);
    group.rebalanceTimer = this.schedule(() => this.completeJoin(group), group.rebalanceTimeoutMs());
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.pendingMembers.size > 0) return;
    for (const m of group.members.values()) if (m.awaitingJoin === null) return;
    this.completeJoin(group);
  }

  /** Ends the join phase: members that did not rejoin are dropped, the next generation starts. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.rebalanceTimer) this.cancel(group.rebalanceTimer);
    group.rebalanceTimer = null;
    for (const m of [...group.members.values()]) {
      // a static member keeps its place across a restart; its session decides
      if (m.awaitingJoin === null && m.groupInstanceId === null) this.removeMember(group, m);
    }
    for (const [id, t] of group.pendingMembers) {
      this.cancel(t);
      group.pendingMembers.delete(id);
    }
    group.generationId++;
    const joined = [...group.members.values()].filter((m) => m.awaitingJoin !== null);
    if (joined.length === 0) {
      group.state = group.members.size === 0 ? 'Empty' : 'PreparingRebalance';
      if (group.state === 'Empty') {
        group.protocolType = null;
        group.protocolName = null;
        group.leaderId = null;
      } else {
        // only absent static members left: wait for them as for a fresh rebalance
        group.rebalanceTimer = this.schedule(() => this.completeJoin(group), group.rebalanceTimeoutMs());
      }
      return;
    }
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (leader === undefined || leader.awaitingJoin === null) group.leaderId = joined[0].memberId;
    group.protocolType = joined[0].protocolType;
    group.protocolName = group.selectProtocol();
    group.state = 'CompletingRebalance';
    for (const m of joined) {
      const waiting = m.awaitingJoin as (a: JoinAnswer) => void;
      m.awaitingJoin = null;
      this.startSession(group, m);
      waiting(this.generationAnswer(group, m, true));
    }
  }

  private completeSync(group: Group, assignments: SyncParams['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values()) m.assignment = Buffer.from(byMember.get(m.memberId) ?? EMPTY);
    group.state = 'Stable';
    for (const m of group.members.values()) {
      const waiting = m.awaitingSync;
      if (waiting === null) continue;
      m.awaitingSync = null;
      this.startSession(group, m);
      waiting({ errorCode: 0, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
    }
  }

  /** The JoinGroup answer for the current generation; only the leader sees every member. */
  private generationAnswer(group: Group, member: GroupMember, mustAssign = false): JoinAnswer {
    const isLeader = member.memberId === group.leaderId;
    return {
      errorCode: 0,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      // a leader answered outside a rebalance must not assign again (v9+)
      skipAssignment: isLeader && !mustAssign,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: group.metadataOf(m, group.protocolName),
          }))
        : [],
    };
  }

  /** Kafka's checks for a request naming a member: fenced instance, unknown member, generation. */
  private validateMember(group: Group, p: MemberRef): number {
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (p.groupInstanceId !== null) {
      const holder = group.staticMembers.get(p.groupInstanceId);
      if (holder !== undefined && holder !== p.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.members.has(p.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return 0;
  }

  private leaveOne(group: Group, memberId: string, groupInstanceId: string | null): number {
    let id = memberId;
    if (groupInstanceId !== null) {
      const holder = group.staticMembers.get(groupInstanceId);
      if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== holder) return ErrorCode.FENCED_INSTANCE_ID;
      id = holder;
    }
    const pending = group.pendingMembers.get(id);
    if (pending !== undefined) {
      this.cancel(pending);
      group.pendingMembers.delete(id);
      this.maybeCompleteJoin(group);
      return 0;
    }
    const member = group.members.get(id);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    this.memberLeft(group);
    return 0;
  }

  private removeMember(group: Group, member: GroupMember): void {
    this.cancelSession(member);
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    if (group.leaderId === member.memberId) group.leaderId = null;
    const join = member.awaitingJoin;
    const sync = member.awaitingSync;
    member.awaitingJoin = null;
    member.awaitingSync = null;
    join?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    sync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
  }

  /** After a member left or expired: the others must rebalance. */
  private memberLeft(group: Group): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
  }

  private expire(group: Group, member: GroupMember): void {
    member.sessionTimer = null;
    if (group.members.get(member.memberId) !== member) return;
    this.cluster.log(`group ${group.groupId}: member ${member.memberId} session expired`);
    this.removeMember(group, member);
    this.memberLeft(group);
  }

  private expirePending(group: Group, memberId: string): void {
    group.pendingMembers.delete(memberId);
    this.maybeCompleteJoin(group);
  }

  private startSession(group: Group, member: GroupMember): void {
    this.cancelSession(member);
    // a member parked in JoinGroup or SyncGroup is bounded by the rebalance, not its session
    if (member.awaitingJoin !== null || member.awaitingSync !== null) return;
    member.sessionTimer = this.schedule(() => this.expire(group, member), member.sessionTimeoutMs);
  }

  private cancelSession(member: GroupMember): void {
    if (member.sessionTimer) this.cancel(member.sessionTimer);
    member.sessionTimer = null;
  }

  private schedule(fire: () => void, ms: number): Subscription {
    if (this.stopped) return Subscription.EMPTY;
    const holder: { sub: Subscription | null } = { sub: null };
    const sub = this.cluster.scheduler.schedule(() => {
      if (holder.sub) this.timers.remove(holder.sub);
      fire();
    }, Math.max(0, ms));
    holder.sub = sub;
    this.timers.add(sub);
    return sub;
  }

  private cancel(timer: Subscription): void {
    timer.unsubscribe();
    this.timers.remove(timer);
  }
}

function updateMember(member: GroupMember, p: JoinParams): void {
  member.clientId = p.clientId;
  member.clientHost = p.clientHost;
  member.sessionTimeoutMs = p.sessionTimeoutMs;
  member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
  member.protocolType = p.protocolType;
  member.protocols = p.protocols;
}

function joinError(errorCode: number, memberId: string): JoinAnswer {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, skipAssignment: false, members: [] };
}

/** False when the request reached a broker other than the one coordinating `key`. */
export function isCoordinatorFor(ctx: RequestContext, key: string): boolean {
  return ctx.cluster.coordinatorFor(key)?.id === ctx.broker.id;
}

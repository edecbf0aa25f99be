import type { Subscription } from 'rxjs';

/** Classic-protocol group states, named as DescribeGroups and ListGroups print them. */
export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** What a parked JoinGroup is eventually answered with. */
export interface JoinAnswer {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  skipAssignment: boolean;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncAnswer {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface GroupMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  /** Set while the member's JoinGroup waits for the rebalance to complete. */
  awaitingJoin: ((answer: JoinAnswer) => void) | null;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  awaitingSync: ((answer: SyncAnswer) => void) | null;
  sessionTimer: Subscription | null;
}

export class Group {
  state: GroupStateName = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order is join order: the first member is the leader candidate. */
  readonly members = new Map<string, GroupMember>();
  /** groupInstanceId -> memberId of the static member holding it. */
  readonly staticMembers = new Map<string, string>();
  /** Ids handed out with MEMBER_ID_REQUIRED, not yet joined; each expires with its timer. */
  readonly pendingMembers = new Map<string, Subscription>();
  rebalanceTimer: Subscription | null = null;

  constructor(readonly groupId: string) {}

  /** The protocol every member supports, in the leader's (or first member's) order of preference. */
  selectProtocol(): string | null {
    const all = [...this.members.values()];
    const leader = (this.leaderId !== null ? this.members.get(this.leaderId) : undefined) ?? all[0];
    if (leader === undefined) return null;
    const supported = (m: GroupMember, name: string) => m.protocols.some((p) => p.name === name);
    return leader.protocols.find((p) => all.every((m) => supported(m, p.name)))?.name ?? null;
  }

  /** Whether a member with these protocols could join without leaving no common protocol. */
  acceptsProtocols(protocolType: string, protocols: readonly GroupProtocol[], except?: string): boolean {
    const others = [...this.members.values()].filter((m) => m.memberId !== except);
    if (others.length === 0) return true;
    if (this.protocolType !== null && this.protocolType !== protocolType) return false;
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  metadataOf(member: GroupMember, protocol: string | null): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }
}

export function sameProtocols(a: readonly GroupProtocol[], b: readonly GroupProtocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata));
}

/**
 * The Java client's CooperativeStickyAssignor ('cooperative-sticky', KIP-429): the sticky
 * assignment, minus every partition it moves from a member that owns it to another. Such a
 * partition is assigned to nobody this round; its owner sees it gone and revokes it, which
 * triggers the follow-up rebalance that assigns it.
 *
 * The generation of a member's ownership comes from its subscription (v2+), else from its user
 * data. Java's user data is the generation alone, an int32; librdkafka up to 2.0 writes
 * subscription v1 and puts its sticky assignor's user data there instead
 * ([topic [partition]] then the generation, int32), which Java would misread as a generation
 * equal to its topic count, so that layout is recognised and its trailing generation used.
 */
import { Reader } from '../../protocol/primitives.js';
import { partitionKey, type TopicPartition } from '../../topic-partition.js';
import type { Assignor, AssignorMember } from './assignor.js';
import { toMemberAssignments } from './assignment-maps.js';
import { stickyAssign } from './sticky.js';

export const cooperativeStickyAssignor: Assignor = Object.freeze<Assignor>({
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  subscriptionUserData: (context) => generationUserData(context.generationId),
  assign(members, partitionsPerTopic) {
    const sticky = members.map((m) => ({
      memberId: m.memberId,
      topics: new Set(m.topics),
      ownedPartitions: m.ownedPartitions,
      generation: memberGeneration(m),
    }));
    const { assignment, transferring } = stickyAssign(sticky, partitionsPerTopic);
    for (const [key, member] of transferring ?? changingOwner(members, assignment)) {
      const list = assignment.get(member) ?? [];
      const i = list.findIndex((tp) => partitionKey(tp.topic, tp.partition) === key);
      if (i >= 0) list.splice(i, 1);
    }
    return toMemberAssignments(assignment);
  },
});

/** The user data Java's CooperativeStickyAssignor subscribes with: the generation, int32. */
export function generationUserData(generationId: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(generationId);
  return b;
}

/** The generation a member's owned partitions belong to; -1 when it has none. */
export function memberGeneration(member: Pick<AssignorMember, 'generationId' | 'userData'>): number {
  if (member.generationId >= 0) return member.generationId;
  const userData = member.userData;
  // Java reads null user data as no generation, and unreadable user data as the default (-1).
  if (userData === null || userData.length < 4) return -1;
  if (userData.length === 4) return userData.readInt32BE(0);
  return librdkafkaStickyGeneration(userData) ?? userData.readInt32BE(0);
}

/** The trailing generation of librdkafka's sticky user data, or null if that is not its layout. */
function librdkafkaStickyGeneration(userData: Buffer): number | null {
  try {
    const r = new Reader(userData);
    const topics = r.arrayLength(2) ?? 0;
    for (let t = 0; t < topics; t++) {
      r.string();
      const partitions = r.arrayLength(4) ?? 0;
      for (let p = 0; p < partitions; p++) r.int32();
    }
    const generation = r.int32();
    return r.remaining === 0 ? generation : null;
  } catch {
    return null;
  }
}

/**
 * What the general path leaves to the cooperative assignor to find (Java's
 * computePartitionsTransferringOwnership): partitions newly assigned to a member that some
 * member claimed and is not keeping.
 */
function changingOwner(
  members: readonly AssignorMember[],
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<string, string> {
  const claimed = new Map(members.map((m) => [m.memberId, new Set(m.ownedPartitions.map((tp) => partitionKey(tp.topic, tp.partition)))]));
  const added = new Map<string, string>();
  const given = new Set<string>();
  for (const [member, partitions] of assignment) {
    const mine = claimed.get(member) ?? new Set<string>();
    const assigned = new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const key of assigned) if (!mine.has(key)) added.set(key, member);
    for (const key of mine) if (!assigned.has(key)) given.add(key);
  }
  return new Map([...added].filter(([key]) => given.has(key)));
}

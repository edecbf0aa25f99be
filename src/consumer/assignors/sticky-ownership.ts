/**
 * Which of the partitions members claim to own the sticky assignor honours (the first half of
 * Java's AbstractStickyAssignor.allSubscriptionsEqual, Kafka 3.5+). A partition claimed by two
 * members goes to the one of higher generation; claimed twice in one generation it is taken
 * from both (neither can be trusted to have let it go) and marked, so whoever gets it must wait
 * for a revocation. A member of an older generation keeps what nobody newer claims.
 */
import { partitionKey, type TopicPartition } from '../../topic-partition.js';

/** One member as the sticky assignor sees it. */
export interface StickyMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** What the member says it owns (subscription v1+), as sent. */
  readonly ownedPartitions: readonly TopicPartition[];
  /** The generation of that ownership, -1 for none. */
  readonly generation: number;
}

export interface Ownership {
  /** True when every member subscribes to the same set of topics. */
  readonly subscriptionsEqual: boolean;
  /** Each member's honoured claims, keyed in the order members were given. */
  readonly owned: Map<string, TopicPartition[]>;
  /** Keys of partitions claimed by several members of one generation. */
  readonly multiplyClaimed: Set<string>;
  readonly maxGeneration: number;
}

/**
 * `members` in the order Java iterates them (that order decides a three-way claim); `topics`
 * the assignable topics. Claims outside them, and duplicates within one member's list, are
 * dropped first: Java keeps a claim on a partition number its topic lacks (and then assigns
 * it), and reads a member's duplicate as a second claimant.
 */
export function resolveOwnership(members: readonly StickyMember[], topics: ReadonlyMap<string, number>): Ownership {
  const owned = new Map<string, TopicPartition[]>();
  const multiplyClaimed = new Set<string>();
  const claimant = new Map<string, StickyMember>();
  let maxGeneration = -1;

  for (const member of members) {
    maxGeneration = Math.max(maxGeneration, member.generation);
    const mine: TopicPartition[] = [];
    owned.set(member.memberId, mine);
    for (const tp of validClaims(member.ownedPartitions, topics)) {
      const key = partitionKey(tp.topic, tp.partition);
      const other = claimant.get(key);
      if (other === undefined) {
        mine.push(tp);
        claimant.set(key, member);
      } else if (member.generation === other.generation) {
        multiplyClaimed.add(key);
        removeClaim(owned.get(other.memberId), tp);
        claimant.set(key, member);
      } else if (member.generation > other.generation) {
        mine.push(tp);
        removeClaim(owned.get(other.memberId), tp);
        claimant.set(key, member);
      }
    }
  }
  return { subscriptionsEqual: sameTopics(members), owned, multiplyClaimed, maxGeneration };
}

function validClaims(claims: readonly TopicPartition[], topics: ReadonlyMap<string, number>): TopicPartition[] {
  const seen = new Set<string>();
  return claims.filter(({ topic, partition }) => {
    const key = partitionKey(topic, partition);
    const count = topics.get(topic) ?? 0;
    if (seen.has(key) || !Number.isInteger(partition) || partition < 0 || partition >= count) return false;
    seen.add(key);
    return true;
  });
}

function removeClaim(list: TopicPartition[] | undefined, tp: TopicPartition): void {
  const i = list === undefined ? -1 : list.findIndex((x) => x.topic === tp.topic && x.partition === tp.partition);
  if (i >= 0) list?.splice(i, 1);
}

/**
 * Set equality of the raw subscriptions, topics without metadata included, as Java compares
 * them. Java's check also counts a member with no topics as equal to the rest (it starts over
 * from an empty set), which would hand that member partitions it did not ask for; here it is
 * simply different.
 */
function sameTopics(members: readonly StickyMember[]): boolean {
  const first = members[0]?.topics;
  if (first === undefined) return true;
  return members.every((m) => m.topics.size === first.size && [...m.topics].every((t) => first.has(t)));
}

/**
 * The sticky assignor when members subscribe to different topics (Java's
 * GeneralAssignmentBuilder, without racks):
 * 1. members keep their honoured claims on topics they still subscribe to;
 * 2. each remaining partition goes to the least loaded member subscribed to its topic, topics
 *    taken fewest-subscribers first;
 * 3. partitions move from a member holding 2+ more than another member that could take them,
 *    preferring to hand one back to its owner of the previous generation, until no such move is
 *    left; the result is kept only if it is more balanced than before the moves (or the group
 *    starts from nothing).
 *
 * Where Java would fail or do something it cannot mean, this differs: a partition goes back to
 * its previous-generation owner only if that member still subscribes to its topic and can take
 * part (Java hands it over regardless, or throws).
 */
import { partitionKey, type TopicPartition } from '../topic-partition.js';
import { compareStrings } from './java-order.js';
import { PartitionMovements } from './sticky-movements.js';
import type { Ownership, StickyMember } from './sticky-ownership.js';

export function generalAssign(
  topics: ReadonlyMap<string, number>,
  members: readonly StickyMember[],
  ownership: Ownership,
): Map<string, TopicPartition[]> {
  return new GeneralAssignment(topics, members, ownership).run();
}

interface PreviousOwner {
  readonly member: string;
  readonly generation: number;
}

class GeneralAssignment {
  /** member -> assignable topics it subscribes to. */
  private readonly potentialTopics = new Map<string, Set<string>>();
  /** topic -> members subscribed to it. */
  private readonly potentialMembers = new Map<string, string[]>();
  private readonly maxSize = new Map<string, number>();
  private current = new Map<string, TopicPartition[]>();
  /** topic -> the member holding each partition. */
  private holders = new Map<string, (string | undefined)[]>();
  private readonly previous = new Map<string, PreviousOwner>();
  private readonly sorted: SortedMembers;
  private readonly movements = new PartitionMovements();
  private revocationRequired = false;

  constructor(
    private readonly topics: ReadonlyMap<string, number>,
    private readonly members: readonly StickyMember[],
    private readonly ownership: Ownership,
  ) {
    for (const [topic, count] of topics) {
      this.potentialMembers.set(topic, []);
      this.holders.set(topic, new Array<string | undefined>(count).fill(undefined));
    }
    for (const member of members) {
      const mine = new Set([...member.topics].filter((t) => topics.has(t)));
      this.potentialTopics.set(member.memberId, mine);
      for (const topic of mine) this.potentialMembers.get(topic)?.push(member.memberId);
      this.maxSize.set(member.memberId, [...mine].reduce((sum, t) => sum + (topics.get(t) ?? 0), 0));
    }
    this.sorted = new SortedMembers((m) => this.sizeOf(m));
  }

  run(): Map<string, TopicPartition[]> {
    this.recordPreviousOwners();
    const allPartitions = this.partitionsInTopicOrder();
    const unassigned = this.keepOwned(allPartitions);
    for (const member of this.members) this.sorted.add(member.memberId);
    this.balance(allPartitions, unassigned);
    return this.current;
  }

  /** Claims of members older than the newest generation: where to hand a partition back. */
  private recordPreviousOwners(): void {
    for (const member of this.members) {
      if (member.generation >= this.ownership.maxGeneration) continue;
      for (const tp of member.ownedPartitions) {
        const key = partitionKey(tp.topic, tp.partition);
        const known = this.previous.get(key);
        if (known === undefined || member.generation > known.generation) {
          this.previous.set(key, { member: member.memberId, generation: member.generation });
        }
      }
    }
  }

  /** Topics with fewer potential members first (then by name), each partition by number. */
  private partitionsInTopicOrder(): TopicPartition[] {
    const subscribers = (t: string): number => this.potentialMembers.get(t)?.length ?? 0;
    const order = [...this.topics.keys()].sort((a, b) => subscribers(a) - subscribers(b) || compareStrings(a, b));
    return order.flatMap((topic) => Array.from({ length: this.topics.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })));
  }

  /** Step 1; returns the partitions still to assign, in `all`'s order. */
  private keepOwned(all: readonly TopicPartition[]): TopicPartition[] {
    for (const member of this.members) {
      const kept: TopicPartition[] = [];
      for (const tp of this.ownership.owned.get(member.memberId) ?? []) {
        if (member.topics.has(tp.topic)) {
          kept.push(tp);
          this.setHolder(tp, member.memberId);
        } else {
          this.revocationRequired = true;
        }
      }
      this.current.set(member.memberId, kept);
    }
    return all.filter((tp) => this.holderOf(tp) === undefined);
  }

  private balance(all: TopicPartition[], unassigned: TopicPartition[]): void {
    const initializing = this.sizeOf(this.sorted.last()) === 0;
    for (const tp of unassigned) this.assignToLeastLoaded(tp);

    // Partitions of a topic with one potential member, and members that can neither gain nor
    // lose, stay where they are.
    const movable = (tp: TopicPartition): boolean => (this.potentialMembers.get(tp.topic)?.length ?? 0) >= 2;
    const reassignable = all.filter(movable);
    const newlyAssigned = unassigned.filter(movable);
    const fixed = new Map<string, TopicPartition[]>();
    for (const member of this.members) {
      if (this.canChange(member.memberId)) continue;
      this.sorted.remove(member.memberId);
      fixed.set(member.memberId, this.current.get(member.memberId) ?? []);
      this.current.delete(member.memberId);
    }

    const before = copyAssignment(this.current);
    const holdersBefore = new Map([...this.holders].map(([topic, list]) => [topic, [...list]]));
    if (!this.revocationRequired) this.reassign(newlyAssigned);
    const moved = this.reassign(reassignable);
    if (!initializing && moved && balanceScore(this.current) >= balanceScore(before)) {
      this.current = before;
      this.holders = holdersBefore;
    }
    for (const [member, partitions] of fixed) this.current.set(member, partitions);
  }

  private assignToLeastLoaded(tp: TopicPartition): void {
    const member = this.sorted.find((m) => this.potentialTopics.get(m)?.has(tp.topic) === true);
    if (member === undefined) return;
    this.sorted.remove(member);
    this.current.get(member)?.push(tp);
    this.setHolder(tp, member);
    this.sorted.add(member);
  }

  private canChange(member: string): boolean {
    if (this.sizeOf(member) < (this.maxSize.get(member) ?? 0)) return true;
    return (this.current.get(member) ?? []).some((tp) => (this.potentialMembers.get(tp.topic)?.length ?? 0) >= 2);
  }

  /** Step 3 over `partitions`; true if anything moved. */
  private reassign(partitions: readonly TopicPartition[]): boolean {
    let movedAny = false;
    let moved: boolean;
    do {
      moved = false;
      for (const tp of partitions) {
        if (this.isBalanced()) break;
        const holder = this.holderOf(tp);
        if (holder === undefined) continue;
        const back = this.previous.get(partitionKey(tp.topic, tp.partition))?.member;
        if (back !== undefined && this.canTakeBack(back, tp) && this.sizeOf(holder) > this.sizeOf(back) + 1) {
          this.move(tp, back);
          moved = true;
          continue;
        }
        const others = this.potentialMembers.get(tp.topic) ?? [];
        if (others.some((other) => this.current.has(other) && this.sizeOf(holder) > this.sizeOf(other) + 1)) {
          const target = this.sorted.find((m) => this.potentialTopics.get(m)?.has(tp.topic) === true);
          if (target !== undefined) this.move(tp, target);
          moved = true;
        }
      }
      movedAny ||= moved;
    } while (moved);
    return movedAny;
  }

  private canTakeBack(member: string, tp: TopicPartition): boolean {
    return this.current.has(member) && this.potentialTopics.get(member)?.has(tp.topic) === true;
  }

  private move(tp: TopicPartition, to: string): void {
    const holder = this.holderOf(tp) as string;
    const actual = this.movements.partitionToMove(tp, holder, to);
    const from = this.holderOf(actual) as string;
    this.sorted.remove(from);
    this.sorted.remove(to);
    this.movements.move(actual, from, to);
    const list = this.current.get(from) ?? [];
    const i = list.findIndex((x) => x.topic === actual.topic && x.partition === actual.partition);
    if (i >= 0) list.splice(i, 1);
    this.current.get(to)?.push(actual);
    this.setHolder(actual, to);
    this.sorted.add(to);
    this.sorted.add(from);
  }

  /**
   * Java's isBalanced: loads differ by at most one, or no member could take a partition from a
   * member holding 2+ more than it. A member's own partitions never count against it, so per
   * topic the heaviest holder decides.
   */
  private isBalanced(): boolean {
    if (this.sizeOf(this.sorted.first()) >= this.sizeOf(this.sorted.last()) - 1) return true;
    const heaviest = new Map<string, number>();
    const heaviestHolder = (topic: string): number => {
      let max = heaviest.get(topic);
      if (max === undefined) {
        max = 0;
        for (const holder of this.holders.get(topic) ?? []) max = Math.max(max, this.sizeOf(holder));
        heaviest.set(topic, max);
      }
      return max;
    };
    for (const member of this.sorted) {
      const size = this.sizeOf(member);
      if (size === this.maxSize.get(member)) continue;
      for (const topic of this.potentialTopics.get(member) ?? []) if (size + 1 < heaviestHolder(topic)) return false;
    }
    return true;
  }

  private holderOf(tp: TopicPartition): string | undefined {
    return this.holders.get(tp.topic)?.[tp.partition];
  }

  private setHolder(tp: TopicPartition, member: string): void {
    const list = this.holders.get(tp.topic);
    if (list !== undefined) list[tp.partition] = member;
  }

  private sizeOf(member: string | undefined): number {
    return member === undefined ? 0 : (this.current.get(member)?.length ?? 0);
  }
}

/** Sum over pairs of members of the difference of their loads; 0 is perfectly even. */
function balanceScore(assignment: ReadonlyMap<string, readonly TopicPartition[]>): number {
  const sizes = [...assignment.values()].map((l) => l.length).sort((a, b) => a - b);
  // Sorted ascending, member i exceeds the i before it: sum of (2i - n + 1) * size_i.
  return sizes.reduce((score, size, i) => score + (2 * i - sizes.length + 1) * size, 0);
}

const copyAssignment = (a: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, TopicPartition[]> =>
  new Map([...a].map(([member, list]) => [member, [...list]]));

/**
 * Java's TreeSet of members ordered by (load, member id). A member must be removed before its
 * load changes and added back after, as the Java code does.
 */
class SortedMembers implements Iterable<string> {
  private readonly members: string[] = [];

  constructor(private readonly sizeOf: (member: string) => number) {}

  add(member: string): void {
    this.members.splice(this.indexFor(member), 0, member);
  }

  remove(member: string): void {
    const i = this.indexFor(member);
    if (this.members[i] === member) this.members.splice(i, 1);
  }

  first(): string | undefined {
    return this.members[0];
  }

  last(): string | undefined {
    return this.members[this.members.length - 1];
  }

  find(predicate: (member: string) => boolean): string | undefined {
    return this.members.find(predicate);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.members[Symbol.iterator]();
  }

  /** The first index whose member does not sort before `member`. */
  private indexFor(member: string): number {
    const size = this.sizeOf(member);
    let lo = 0;
    let hi = this.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.members[mid];
      const c = this.sizeOf(other) - size || compareStrings(other, member);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

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
 * its previous-generation owner only if that member still subscribes to its topic and takes
 * part in the moves (Java hands it over regardless, or throws).
 *
 * Members are numbered internally (in the order given) so the balance checks, which run after
 * every move, index arrays instead of hashing strings.
 */
import type { TopicPartition } from '../../topic-partition.js';
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

const NONE = -1;

class GeneralAssignment {
  private readonly ids: string[];
  /** Assignable topics each member subscribes to. */
  private readonly subscribed: Set<string>[];
  /** topic -> the members subscribed to it. */
  private readonly potential = new Map<string, number[]>();
  /** How many partitions each member could hold at most. */
  private readonly maxSize: number[];
  private lists: TopicPartition[][];
  /** topic -> the member holding each of its partitions, NONE if nobody. */
  private holders = new Map<string, Int32Array>();
  /** topic -> per partition, its claimant of the highest generation below the newest. */
  private readonly previous = new Map<string, ({ readonly member: number; readonly generation: number } | undefined)[]>();
  /** Members that take part in step 3 (Java drops the others from its working assignment). */
  private readonly active: boolean[];
  private readonly sorted: SortedMembers;
  private readonly movements = new PartitionMovements();
  private revocationRequired = false;
  /**
   * isBalanced's answer and each topic's lightest member, until the next change: Java works
   * them out again for every partition it visits, and most visits change nothing.
   */
  private balanced: boolean | undefined;
  private readonly lightest = new Map<string, number>();

  constructor(
    private readonly topics: ReadonlyMap<string, number>,
    private readonly members: readonly StickyMember[],
    private readonly ownership: Ownership,
  ) {
    this.ids = members.map((m) => m.memberId);
    for (const [topic, count] of topics) {
      this.potential.set(topic, []);
      this.holders.set(topic, new Int32Array(count).fill(NONE));
    }
    this.subscribed = members.map((m, i) => {
      const mine = new Set([...m.topics].filter((t) => topics.has(t)));
      for (const topic of mine) this.potential.get(topic)?.push(i);
      return mine;
    });
    this.maxSize = this.subscribed.map((mine) => [...mine].reduce((sum, t) => sum + (topics.get(t) ?? 0), 0));
    this.lists = members.map(() => []);
    this.active = members.map(() => true);
    this.sorted = new SortedMembers(this.ids, (i) => this.lists[i].length);
  }

  run(): Map<string, TopicPartition[]> {
    this.recordPreviousOwners();
    const all = this.partitionsInTopicOrder();
    const unassigned = this.keepOwned(all);
    this.members.forEach((_, i) => this.sorted.add(i));
    this.balance(all, unassigned);
    return new Map(this.ids.map((id, i) => [id, this.lists[i]]));
  }

  /** Claims of members older than the newest generation: where to hand a partition back. */
  private recordPreviousOwners(): void {
    this.members.forEach((member, i) => {
      if (member.generation >= this.ownership.maxGeneration) return;
      for (const tp of member.ownedPartitions) {
        if (!this.topics.has(tp.topic)) continue;
        let claims = this.previous.get(tp.topic);
        if (claims === undefined) {
          claims = [];
          this.previous.set(tp.topic, claims);
        }
        const known = claims[tp.partition];
        if (known === undefined || member.generation > known.generation) claims[tp.partition] = { member: i, generation: member.generation };
      }
    });
  }

  /** Topics with fewer potential members first (then by name), each partition by number. */
  private partitionsInTopicOrder(): TopicPartition[] {
    const subscribers = (t: string): number => this.potential.get(t)?.length ?? 0;
    const order = [...this.topics.keys()].sort((a, b) => subscribers(a) - subscribers(b) || compareStrings(a, b));
    return order.flatMap((topic) => Array.from({ length: this.topics.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })));
  }

  /** Step 1; returns the partitions still to assign, in `all`'s order. */
  private keepOwned(all: readonly TopicPartition[]): TopicPartition[] {
    this.members.forEach((member, i) => {
      for (const tp of this.ownership.owned.get(member.memberId) ?? []) {
        if (member.topics.has(tp.topic)) this.give(tp, i);
        else this.revocationRequired = true;
      }
    });
    return all.filter((tp) => this.holderOf(tp) === NONE);
  }

  private balance(all: readonly TopicPartition[], unassigned: readonly TopicPartition[]): void {
    const initializing = this.sizeOf(this.sorted.last()) === 0;
    for (const tp of unassigned) this.assignToLeastLoaded(tp);

    // Partitions of a topic with one potential member, and members that can neither gain nor
    // lose, stay where they are.
    const movable = (tp: TopicPartition): boolean => (this.potential.get(tp.topic)?.length ?? 0) >= 2;
    const reassignable = all.filter(movable);
    const newlyAssigned = unassigned.filter(movable);
    this.members.forEach((_, i) => {
      if (this.canChange(i)) return;
      this.sorted.remove(i);
      this.active[i] = false;
    });
    this.changed();

    const lists = this.lists.map((l) => [...l]);
    const holders = new Map([...this.holders].map(([topic, h]) => [topic, h.slice()]));
    if (!this.revocationRequired) this.reassign(newlyAssigned);
    const moved = this.reassign(reassignable);
    if (!initializing && moved && this.balanceScore(this.lists) >= this.balanceScore(lists)) {
      this.lists = lists;
      this.holders = holders;
      this.changed();
    }
  }

  private assignToLeastLoaded(tp: TopicPartition): void {
    const member = this.sorted.find((i) => this.subscribed[i].has(tp.topic));
    if (member === undefined) return;
    this.sorted.remove(member);
    this.give(tp, member);
    this.sorted.add(member);
  }

  private canChange(member: number): boolean {
    if (this.sizeOf(member) < this.maxSize[member]) return true;
    return this.lists[member].some((tp) => (this.potential.get(tp.topic)?.length ?? 0) >= 2);
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
        if (holder === NONE) continue;
        const back = this.previous.get(tp.topic)?.[tp.partition]?.member;
        if (back !== undefined && this.canTakeBack(back, tp) && this.sizeOf(holder) > this.sizeOf(back) + 1) {
          this.move(tp, back);
          moved = true;
          continue;
        }
        if (this.sizeOf(holder) > this.lightestOf(tp.topic) + 1) {
          const target = this.sorted.find((i) => this.subscribed[i].has(tp.topic));
          if (target !== undefined) this.move(tp, target);
          moved = true;
        }
      }
      movedAny ||= moved;
    } while (moved);
    return movedAny;
  }

  /** The smallest load among the members taking part that subscribe to `topic`. */
  private lightestOf(topic: string): number {
    let min = this.lightest.get(topic);
    if (min === undefined) {
      min = Infinity;
      for (const m of this.potential.get(topic) ?? []) if (this.active[m]) min = Math.min(min, this.sizeOf(m));
      this.lightest.set(topic, min);
    }
    return min;
  }

  private canTakeBack(member: number, tp: TopicPartition): boolean {
    return this.active[member] && this.subscribed[member].has(tp.topic);
  }

  private move(tp: TopicPartition, to: number): void {
    const actual = this.movements.partitionToMove(tp, this.ids[this.holderOf(tp)], this.ids[to]);
    const from = this.holderOf(actual);
    this.sorted.remove(from);
    this.sorted.remove(to);
    this.movements.move(actual, this.ids[from], this.ids[to]);
    const list = this.lists[from];
    const at = list.findIndex((x) => x.topic === actual.topic && x.partition === actual.partition);
    if (at >= 0) list.splice(at, 1);
    this.give(actual, to);
    this.sorted.add(to);
    this.sorted.add(from);
  }

  /**
   * Java's isBalanced: loads differ by at most one, or no member could take a partition from a
   * member holding 2+ more than it. A member's own partitions never count against it, so per
   * topic only its heaviest holder matters.
   */
  private isBalanced(): boolean {
    this.balanced ??= this.computeBalanced();
    return this.balanced;
  }

  private computeBalanced(): boolean {
    if (this.sizeOf(this.sorted.first()) >= this.sizeOf(this.sorted.last()) - 1) return true;
    const heaviest = new Map<string, number>();
    for (const [topic, holders] of this.holders) {
      let max = 0;
      for (const h of holders) if (h !== NONE && this.lists[h].length > max) max = this.lists[h].length;
      heaviest.set(topic, max);
    }
    for (const member of this.sorted) {
      const size = this.sizeOf(member);
      if (size === this.maxSize[member]) continue;
      for (const topic of this.subscribed[member]) if (size + 1 < (heaviest.get(topic) ?? 0)) return false;
    }
    return true;
  }

  /** Sum over pairs of taking-part members of the difference of their loads; 0 is even. */
  private balanceScore(lists: readonly (readonly TopicPartition[])[]): number {
    const sizes = lists.filter((_, i) => this.active[i]).map((l) => l.length).sort((a, b) => a - b);
    // Sorted ascending, size i exceeds each of the i before it: the sum is sum of (2i - n + 1) * size_i.
    return sizes.reduce((score, size, i) => score + (2 * i - sizes.length + 1) * size, 0);
  }

  private give(tp: TopicPartition, member: number): void {
    this.changed();
    this.lists[member].push(tp);
    const holders = this.holders.get(tp.topic);
    if (holders !== undefined) holders[tp.partition] = member;
  }

  private changed(): void {
    this.balanced = undefined;
    this.lightest.clear();
  }

  private holderOf(tp: TopicPartition): number {
    return this.holders.get(tp.topic)?.[tp.partition] ?? NONE;
  }

  private sizeOf(member: number | undefined): number {
    return member === undefined ? 0 : this.lists[member].length;
  }
}

/**
 * Java's TreeSet of members ordered by (load, member id). A member must be removed before its
 * load changes and added back after, as the Java code does.
 */
class SortedMembers implements Iterable<number> {
  private readonly members: number[] = [];
  /** Each member's place in member-id order, the tie-break. */
  private readonly rank: Int32Array;

  constructor(
    ids: readonly string[],
    private readonly sizeOf: (member: number) => number,
  ) {
    this.rank = new Int32Array(ids.length);
    ids
      .map((id, i) => ({ id, i }))
      .sort((a, b) => compareStrings(a.id, b.id))
      .forEach(({ i }, r) => (this.rank[i] = r));
  }

  add(member: number): void {
    this.members.splice(this.indexFor(member), 0, member);
  }

  remove(member: number): void {
    const i = this.indexFor(member);
    if (this.members[i] === member) this.members.splice(i, 1);
  }

  first(): number | undefined {
    return this.members[0];
  }

  last(): number | undefined {
    return this.members[this.members.length - 1];
  }

  find(predicate: (member: number) => boolean): number | undefined {
    return this.members.find(predicate);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.members[Symbol.iterator]();
  }

  /** The first index whose member does not sort before `member`. */
  private indexFor(member: number): number {
    const size = this.sizeOf(member);
    const rank = this.rank[member];
    let lo = 0;
    let hi = this.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.members[mid];
      if ((this.sizeOf(other) - size || this.rank[other] - rank) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

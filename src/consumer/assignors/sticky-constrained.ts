/**
 * The sticky assignor when every member subscribes to the same topics (Java's
 * ConstrainedAssignmentBuilder, without racks). With P partitions over N members each member
 * ends with floor(P/N) or ceil(P/N), exactly P % N of them with the larger count:
 * 1. each member keeps its honoured claims up to its quota (the first members in Java's
 *    iteration order that own enough keep ceil(P/N) while such places remain, the rest
 *    floor(P/N)); claims beyond the quota are revoked;
 * 2. the remaining partitions (by topic name, then number) go round-robin to the members below
 *    floor(P/N), by member id, then one each to members at floor(P/N) until P % N are above.
 */
import { KafkaError } from '../../errors.js';
import { partitionKey, type TopicPartition } from '../../topic-partition.js';
import { compareStrings } from './java-order.js';
import type { Ownership } from './sticky-ownership.js';

export interface ConstrainedResult {
  readonly assignment: Map<string, TopicPartition[]>;
  /** Partition key -> new owner, for partitions given away from a member that owned them. */
  readonly transferring: Map<string, string>;
}

export function constrainedAssign(topics: ReadonlyMap<string, number>, ownership: Ownership): ConstrainedResult {
  const total = [...topics.values()].reduce((sum, n) => sum + n, 0);
  const memberCount = ownership.owned.size;
  const minQuota = Math.floor(total / memberCount);
  const maxQuota = Math.ceil(total / memberCount);
  const expectedAboveMin = total % memberCount;
  let aboveMin = 0;

  const assignment = new Map<string, TopicPartition[]>();
  const taken = new Set<string>();
  const revoked = new Set<string>();
  const transferring = new Map<string, string>();
  let belowMin: string[] = [];
  let atMin: string[] = [];

  const keep = (member: string, partitions: TopicPartition[], quota: number): void => {
    const kept = partitions.slice(0, quota);
    assignment.set(member, kept);
    for (const tp of kept) taken.add(partitionKey(tp.topic, tp.partition));
    for (const tp of partitions.slice(quota)) revoked.add(partitionKey(tp.topic, tp.partition));
  };

  for (const [member, claims] of ownership.owned) {
    // Java keeps the first claims in (partition, topic) order, spreading what it keeps over topics.
    const owned = claims
      .filter((tp) => !ownership.multiplyClaimed.has(partitionKey(tp.topic, tp.partition)))
      .sort((a, b) => a.partition - b.partition || compareStrings(a.topic, b.topic));
    if (owned.length < minQuota) {
      keep(member, owned, owned.length);
      belowMin.push(member);
    } else if (owned.length >= maxQuota && aboveMin < expectedAboveMin) {
      aboveMin++;
      if (aboveMin === expectedAboveMin) atMin = [];
      keep(member, owned, maxQuota);
    } else {
      keep(member, owned, minQuota);
      if (aboveMin < expectedAboveMin) atMin.push(member);
    }
  }

  belowMin = belowMin.sort(compareStrings);
  atMin = atMin.sort(compareStrings);
  // A cursor over belowMin that starts again from its head, as Java's iterator is renewed.
  let cursor = 0;
  for (const [topic, count] of [...topics].sort(([a], [b]) => compareStrings(a, b))) {
    for (let partition = 0; partition < count; partition++) {
      const key = partitionKey(topic, partition);
      if (taken.has(key)) continue;
      let member: string | undefined;
      let fromBelowMin = true;
      if (cursor < belowMin.length) member = belowMin[cursor++];
      else if (belowMin.length > 0) {
        member = belowMin[0];
        cursor = 1;
      } else {
        member = atMin.shift();
        fromBelowMin = false;
      }
      // Unreachable with the quotas above; Java throws IllegalStateException here.
      if (member === undefined) throw new KafkaError(`sticky assignor: no member left for ${topic}[${partition}]`);
      const partitions = assignment.get(member) as TopicPartition[];
      partitions.push({ topic, partition });
      if (revoked.has(key) || ownership.multiplyClaimed.has(key)) transferring.set(key, member);
      if (partitions.length === minQuota && fromBelowMin) {
        belowMin.splice(--cursor, 1);
        atMin.push(member);
      }
    }
  }
  return { assignment, transferring };
}

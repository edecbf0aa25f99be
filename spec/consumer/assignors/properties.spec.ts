import { describe, expect, it } from 'vitest';
import {
  cooperativeStickyAssignor,
  memberGeneration,
  rangeAssignor,
  roundRobinAssignor,
  type Assignor,
  type AssignorMember,
  type MemberAssignment,
} from '../../../src/consumer/assignors/index.js';
import { stickyAssign } from '../../../src/consumer/assignors/sticky.js';
import { partitionKey } from '../../../src/topic-partition.js';
import { afterRound, assignable, holders, member, mulberry32, randomInt, sizes } from './support.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

interface Group {
  readonly members: AssignorMember[];
  readonly partitionsPerTopic: Map<string, number>;
}

const TOPICS = ['topic-0', 'topic-1', 'topic-2', 'topic-3', 'topic-4'];

/** 1-5 of TOPICS; identical subscriptions also name a topic nobody has metadata for. */
function subscription(random: () => number, identical: boolean, topicCount: number): string[] {
  const topics = TOPICS.slice(0, topicCount);
  if (identical) return [...topics, 'no-metadata'];
  const picked = topics.filter(() => random() < 0.6);
  return picked.length > 0 ? picked : [topics[randomInt(random, 0, topics.length - 1)]];
}

/** A random group: 1-5 topics of 1-12 partitions, 1-9 members, some static. */
function randomGroup(random: () => number, identical: boolean): Group {
  const topicCount = randomInt(random, 1, 5);
  const partitionsPerTopic = new Map(TOPICS.slice(0, topicCount).map((t) => [t, randomInt(random, 1, 12)]));
  const ids = new Set<string>();
  const memberCount = randomInt(random, 1, 9);
  while (ids.size < memberCount) ids.add(`consumer-${Math.floor(random() * 1e9).toString(36)}`);
  const members = [...ids].map((id) =>
    member(id, {
      topics: subscription(random, identical, topicCount),
      instance: random() < 0.3 ? `instance-${Math.floor(random() * 100)}` : null,
    }),
  );
  return { members, partitionsPerTopic };
}

/**
 * The same group one rebalance later: members own what an earlier assignment gave them, some
 * have left, some joined, and (different subscriptions) some changed what they subscribe to.
 */
function churned(random: () => number, identical: boolean): Group {
  const before = randomGroup(random, identical);
  const topicCount = before.partitionsPerTopic.size;
  const previous = roundRobinAssignor.assign(before.members, before.partitionsPerTopic);
  const generation = randomInt(random, 1, 20);
  const stayed = afterRound(before.members, previous, generation)
    .filter(() => random() < 0.75)
    .map((m) => (!identical && random() < 0.2 ? { ...m, topics: subscription(random, false, topicCount) } : m));
  const joined = Array.from({ length: randomInt(random, 0, 3) }, (_, i) => member(`joined-${i}`, subscription(random, identical, topicCount)));
  const members = [...stayed, ...joined];
  return members.length > 0 ? { members, partitionsPerTopic: before.partitionsPerTopic } : before;
}

function expectValid(group: Group, result: ReadonlyMap<string, MemberAssignment>): void {
  expect([...result.keys()].sort()).toEqual(group.members.map((m) => m.memberId).sort());
  const subscribed = new Map(group.members.map((m) => [m.memberId, new Set(m.topics)]));
  for (const [id, { partitions }] of result) for (const p of partitions) expect(subscribed.get(id)?.has(p.topic)).toBe(true);
  for (const owners of holders(result).values()) expect(owners).toHaveLength(1);
}

function expectComplete(group: Group, result: ReadonlyMap<string, MemberAssignment>): void {
  expectValid(group, result);
  expect([...holders(result).keys()].sort()).toEqual(assignable(group.members, group.partitionsPerTopic).sort());
}

function eagerSticky(group: Group): Map<string, MemberAssignment> {
  const { assignment } = stickyAssign(
    group.members.map((m) => ({ memberId: m.memberId, topics: new Set(m.topics), ownedPartitions: m.ownedPartitions, generation: memberGeneration(m) })),
    group.partitionsPerTopic,
  );
  return new Map([...assignment].map(([id, partitions]) => [id, { partitions }]));
}

/** No partition a member owns is handed to another member in the same round. */
function expectNothingTakenFromAnOwner(group: Group, result: ReadonlyMap<string, MemberAssignment>): void {
  const ownerOf = new Map(group.members.flatMap((m) => m.ownedPartitions.map((p) => [partitionKey(p.topic, p.partition), m.memberId] as const)));
  for (const [id, { partitions }] of result) {
    for (const p of partitions) {
      const owner = ownerOf.get(partitionKey(p.topic, p.partition));
      if (owner !== undefined) expect(owner).toBe(id);
    }
  }
}

describe.each([
  ['range', rangeAssignor],
  ['roundrobin', roundRobinAssignor],
])('%s over random groups', (_name, assignor: Assignor) => {
  it.each(SEEDS)('assigns every subscribed partition to exactly one subscriber (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const group = randomGroup(random, random() < 0.5);
    expectComplete(group, assignor.assign(group.members, group.partitionsPerTopic));
  });
});

describe('roundrobin balance', () => {
  it.each(SEEDS)('identical subscriptions: counts differ by at most one (seed %i)', (seed) => {
    const group = randomGroup(mulberry32(seed), true);
    const counts = sizes(roundRobinAssignor.assign(group.members, group.partitionsPerTopic));
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe('sticky assignment over random groups (before the cooperative hold-back)', () => {
  it.each(SEEDS)('identical subscriptions: complete, balanced, keeps owned partitions up to the quota (seed %i)', (seed) => {
    const group = churned(mulberry32(seed), true);
    const result = eagerSticky(group);
    expectComplete(group, result);
    const counts = sizes(result);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    const minQuota = Math.floor(assignable(group.members, group.partitionsPerTopic).length / group.members.length);
    for (const m of group.members) {
      const kept = (result.get(m.memberId)?.partitions ?? []).filter((p) =>
        m.ownedPartitions.some((o) => o.topic === p.topic && o.partition === p.partition),
      );
      expect(kept.length).toBeGreaterThanOrEqual(Math.min(m.ownedPartitions.length, minQuota));
    }
  });

  it.each(SEEDS)('different subscriptions, from nothing: complete, and no member could take from one holding 2+ more (seed %i)', (seed) => {
    const group = randomGroup(mulberry32(seed), false);
    const result = eagerSticky(group);
    expectComplete(group, result);
    const count = (id: string): number => result.get(id)?.partitions.length ?? 0;
    const holderOf = holders(result);
    for (const m of group.members) {
      for (const t of m.topics) {
        for (let p = 0; p < (group.partitionsPerTopic.get(t) ?? 0); p++) {
          const holder = holderOf.get(partitionKey(t, p))?.[0] ?? m.memberId;
          expect(count(holder)).toBeLessThanOrEqual(count(m.memberId) + 1);
        }
      }
    }
  });
});

/** Round 1 over a churned group: valid, takes nothing from an owner, holds back only moves. */
function firstRound(group: Group): Map<string, MemberAssignment> {
  const round1 = cooperativeStickyAssignor.assign(group.members, group.partitionsPerTopic);
  expectValid(group, round1);
  expectNothingTakenFromAnOwner(group, round1);
  const target = eagerSticky(group);
  for (const [id, { partitions }] of round1) expect(target.get(id)?.partitions).toEqual(expect.arrayContaining([...partitions]));
  return round1;
}

describe('cooperative-sticky over random groups, identical subscriptions', () => {
  it.each(SEEDS)('round 1 takes nothing from an owner; round 2 assigns the rest; round 3 changes nothing (seed %i)', (seed) => {
    const group = churned(mulberry32(seed), true);
    const round1 = firstRound(group);

    const second = { ...group, members: afterRound(group.members, round1, 100) };
    const round2 = cooperativeStickyAssignor.assign(second.members, second.partitionsPerTopic);
    expectComplete(second, round2);
    expectNothingTakenFromAnOwner(second, round2);

    const third = { ...group, members: afterRound(group.members, round2, 101) };
    expect(cooperativeStickyAssignor.assign(third.members, third.partitionsPerTopic)).toEqual(round2);
  });
});

describe('cooperative-sticky over random groups, different subscriptions', () => {
  // Java's general algorithm may move another owned partition in round 2 (the least loaded
  // member at that point is not the one round 1 aimed at), so it can take a few rounds to settle.
  const MAX_ROUNDS = 6;

  it.each(SEEDS)('no round takes from an owner; within a few rounds all is assigned and stays put (seed %i)', (seed) => {
    const group = churned(mulberry32(seed), false);
    let result = firstRound(group);
    let rounds = 1;
    for (;;) {
      const next = { ...group, members: afterRound(group.members, result, 100 + rounds) };
      const again = cooperativeStickyAssignor.assign(next.members, next.partitionsPerTopic);
      expectValid(next, again);
      expectNothingTakenFromAnOwner(next, again);
      rounds++;
      if (JSON.stringify([...again]) === JSON.stringify([...result])) {
        expectComplete(next, again);
        break;
      }
      expect(rounds).toBeLessThan(MAX_ROUNDS);
      result = again;
    }
  });
});

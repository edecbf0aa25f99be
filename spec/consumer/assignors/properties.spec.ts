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
import { partitionKey } from '../../../src/consumer/topic-partition.js';
import { afterRound, assignable, holders, member, mulberry32, randomInt, sizes } from './support.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

interface Group {
  readonly members: AssignorMember[];
  readonly partitionsPerTopic: Map<string, number>;
}

/** A random group: 1-5 topics of 1-12 partitions (plus one nobody has metadata for), 1-9 members. */
function randomGroup(random: () => number, identical: boolean): Group {
  const topics = Array.from({ length: randomInt(random, 1, 5) }, (_, i) => `topic-${i}`);
  const partitionsPerTopic = new Map(topics.map((t) => [t, randomInt(random, 1, 12)]));
  const subset = (): string[] => {
    const picked = topics.filter(() => random() < 0.6);
    return picked.length > 0 ? picked : [topics[randomInt(random, 0, topics.length - 1)]];
  };
  const shared = [...topics, 'no-metadata'];
  const ids = new Set<string>();
  while (ids.size < randomInt(random, 1, 9)) ids.add(`consumer-${Math.floor(random() * 1e9).toString(36)}`);
  const members = [...ids].map((id) =>
    member(id, { topics: identical ? shared : subset(), instance: random() < 0.3 ? `instance-${Math.floor(random() * 100)}` : null }),
  );
  return { members, partitionsPerTopic };
}

/** A group one rebalance later: owners of a previous assignment, some gone, some new members. */
function churned(random: () => number, identical: boolean): Group {
  const before = randomGroup(random, identical);
  const previous = roundRobinAssignor.assign(before.members, before.partitionsPerTopic);
  const generation = randomInt(random, 1, 20);
  const stayed = afterRound(before.members, previous, generation).filter(() => random() < 0.75);
  const joined = Array.from({ length: randomInt(random, 0, 3) }, (_, i) => member(`joined-${i}`, { topics: before.members[0].topics }));
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

describe.each([
  ['identical', true],
  ['different', false],
])('cooperative-sticky over random groups, %s subscriptions', (_name, identical) => {
  it.each(SEEDS)('round 1 takes nothing from an owner; round 2 assigns the rest; round 3 changes nothing (seed %i)', (seed) => {
    const group = churned(mulberry32(seed), identical);
    const round1 = cooperativeStickyAssignor.assign(group.members, group.partitionsPerTopic);
    expectValid(group, round1);
    expectNothingTakenFromAnOwner(group, round1);
    const target = eagerSticky(group);
    for (const [id, { partitions }] of round1) expect(target.get(id)?.partitions).toEqual(expect.arrayContaining([...partitions]));

    const second = { ...group, members: afterRound(group.members, round1, 100) };
    const round2 = cooperativeStickyAssignor.assign(second.members, second.partitionsPerTopic);
    expectComplete(second, round2);
    expectNothingTakenFromAnOwner(second, round2);

    const third = { ...group, members: afterRound(group.members, round2, 101) };
    expect(cooperativeStickyAssignor.assign(third.members, third.partitionsPerTopic)).toEqual(round2);
  });
});

import { describe, expect, it } from 'vitest';
import {
  cooperativeStickyAssignor as assignor,
  generationUserData,
  memberGeneration,
  type AssignorMember,
} from '../../../src/consumer/assignors/index.js';
import { stickyAssign } from '../../../src/consumer/assignors/sticky.js';
import { afterRound, member, names, tps } from './support.js';

const fourTopics = ['t0', 't1', 't2', 't3'];
const twoEach = new Map(fourTopics.map((t) => [t, 2]));

/** The sticky assignment before the cooperative hold-back. */
const eager = (members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>) =>
  stickyAssign(
    members.map((m) => ({ memberId: m.memberId, topics: new Set(m.topics), ownedPartitions: m.ownedPartitions, generation: memberGeneration(m) })),
    partitionsPerTopic,
  ).assignment;

describe('cooperative-sticky assignor', () => {
  it('is cooperative and named cooperative-sticky', () => {
    expect(assignor).toMatchObject({ name: 'cooperative-sticky', protocol: 'cooperative' });
  });

  describe('user data', () => {
    it("subscribes with Java's user data: the generation as a big-endian int32", () => {
      expect(assignor.subscriptionUserData?.({ topics: ['t0'], ownedPartitions: [], generationId: 258 })).toEqual(Buffer.from([0, 0, 1, 2]));
      expect(generationUserData(-1)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    });

    it("takes a member's generation from its subscription first (v2+)", () => {
      expect(memberGeneration({ generationId: 7, userData: generationUserData(3) })).toBe(7);
    });

    it("else from Java's 4-byte user data; null or unreadable user data is no generation", () => {
      expect(memberGeneration({ generationId: -1, userData: generationUserData(3) })).toBe(3);
      expect(memberGeneration({ generationId: -1, userData: null })).toBe(-1);
      expect(memberGeneration({ generationId: -1, userData: Buffer.alloc(0) })).toBe(-1);
      expect(memberGeneration({ generationId: -1, userData: Buffer.from([1, 2]) })).toBe(-1);
    });

    it("reads librdkafka's sticky user data ([topic [partition]] generation) by its trailing generation", () => {
      // one topic "t0" with partitions 0 and 1, then generation 42: Java would read 1 (the topic count)
      const librdkafka = Buffer.from([0, 0, 0, 1, 0, 2, 0x74, 0x30, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 42]);
      expect(memberGeneration({ generationId: -1, userData: librdkafka })).toBe(42);
      // librdkafka with no previous assignment: zero topics, then the generation
      expect(memberGeneration({ generationId: -1, userData: Buffer.from([0, 0, 0, 0, 0, 0, 0, 9]) })).toBe(9);
    });

    it('reads other longer user data as Java does: its first int32', () => {
      expect(memberGeneration({ generationId: -1, userData: Buffer.from([0, 0, 0, 5, 0xff]) })).toBe(5);
    });
  });

  describe("the StickyAssignor javadoc's examples", () => {
    it('example 1, fresh: C0 [t0p0, t1p1, t3p0], C1 [t0p1, t2p0, t3p1], C2 [t1p0, t2p1]', () => {
      const result = assignor.assign([member('C0', fourTopics), member('C1', fourTopics), member('C2', fourTopics)], twoEach);
      expect(names(result)).toEqual({
        C0: ['t0p0', 't1p1', 't3p0'],
        C1: ['t0p1', 't2p0', 't3p1'],
        C2: ['t1p0', 't2p1'],
      });
    });

    it('example 1, C1 leaves: C0 and C2 keep all they had and take two of C1 each', () => {
      const result = assignor.assign(
        [
          member('C0', { topics: fourTopics, owned: tps('t0p0', 't1p1', 't3p0'), generation: 1 }),
          member('C2', { topics: fourTopics, owned: tps('t1p0', 't2p1'), generation: 1 }),
        ],
        twoEach,
      );
      // The javadoc shows C0 taking t2p0 and C2 t0p1 (written for the pre-2.8 algorithm); since
      // 2.8 Java's path for identical subscriptions deals C1's partitions round-robin by member id.
      expect(names(result)).toEqual({ C0: ['t0p0', 't0p1', 't1p1', 't3p0'], C2: ['t1p0', 't2p0', 't2p1', 't3p1'] });
    });

    const ex2 = new Map([
      ['t0', 1],
      ['t1', 2],
      ['t2', 3],
    ]);

    it('example 2, fresh: C0 [t0p0], C1 [t1p0, t1p1], C2 [t2p0, t2p1, t2p2]', () => {
      const result = assignor.assign([member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])], ex2);
      expect(names(result)).toEqual({ C0: ['t0p0'], C1: ['t1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    });

    it('example 2, C0 leaves: C1 [t1p0, t1p1, t0p0], C2 [t2p0, t2p1, t2p2]', () => {
      const result = assignor.assign(
        [
          member('C1', { topics: ['t0', 't1'], owned: tps('t1p0', 't1p1'), generation: 1 }),
          member('C2', { topics: ['t0', 't1', 't2'], owned: tps('t2p0', 't2p1', 't2p2'), generation: 1 }),
        ],
        ex2,
      );
      expect(names(result)).toEqual({ C1: ['t0p0', 't1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    });
  });

  describe('cooperative hold-back', () => {
    const six = new Map([['t0', 6]]);

    it('assigns a partition moving away from its owner to nobody; the next round assigns it; then nothing changes', () => {
      const round0 = [member('C0', { topics: ['t0'], owned: tps('t0p0', 't0p1', 't0p2', 't0p3', 't0p4', 't0p5'), generation: 4 }), member('C1', ['t0'])];
      expect(names(eager(round0, six))).toEqual({ C0: ['t0p0', 't0p1', 't0p2'], C1: ['t0p3', 't0p4', 't0p5'] });

      const round1 = assignor.assign(round0, six);
      expect(names(round1)).toEqual({ C0: ['t0p0', 't0p1', 't0p2'], C1: [] });

      const round2 = assignor.assign(afterRound(round0, round1, 5), six);
      expect(names(round2)).toEqual({ C0: ['t0p0', 't0p1', 't0p2'], C1: ['t0p3', 't0p4', 't0p5'] });

      expect(names(assignor.assign(afterRound(round0, round2, 6), six))).toEqual(names(round2));
    });

    it("lets the first owner in Java's HashMap order keep the larger quota", () => {
      // 10 partitions over 3 members: one keeps 4. Java iterates its HashMap of members: "q" (bucket 1)
      // before "b" (bucket 2), so q keeps 4, although "b" sorts first.
      const ten = new Map([['t0', 10]]);
      const group = [
        member('b', { topics: ['t0'], owned: tps('t0p5', 't0p6', 't0p7', 't0p8', 't0p9'), generation: 2 }),
        member('q', { topics: ['t0'], owned: tps('t0p0', 't0p1', 't0p2', 't0p3', 't0p4'), generation: 2 }),
        member('c', ['t0']),
      ];
      const round1 = assignor.assign(group, ten);
      expect(names(round1)).toEqual({ q: ['t0p0', 't0p1', 't0p2', 't0p3'], b: ['t0p5', 't0p6', 't0p7'], c: [] });
      const round2 = assignor.assign(afterRound(group, round1, 3), ten);
      expect(names(round2)).toEqual({ q: ['t0p0', 't0p1', 't0p2', 't0p3'], b: ['t0p5', 't0p6', 't0p7'], c: ['t0p4', 't0p8', 't0p9'] });
    });

    it('keeps claims up to the quota in (partition, topic) order, as Java does', () => {
      const two = new Map([
        ['t0', 2],
        ['t1', 2],
      ]);
      const group = [member('C0', { topics: ['t0', 't1'], owned: tps('t0p0', 't0p1', 't1p0', 't1p1'), generation: 1 }), member('C1', ['t0', 't1'])];
      expect(names(assignor.assign(group, two))).toEqual({ C0: ['t0p0', 't1p0'], C1: [] });
      expect(names(eager(group, two))).toEqual({ C0: ['t0p0', 't1p0'], C1: ['t0p1', 't1p1'] });
    });

    it('holds back a partition whose owner no longer subscribes to its topic (different subscriptions)', () => {
      const topics = new Map([
        ['t0', 1],
        ['t1', 2],
      ]);
      const group = [member('C0', { topics: ['t1'], owned: tps('t0p0', 't1p0'), generation: 3 }), member('C1', { topics: ['t0', 't1'], owned: tps('t1p1'), generation: 3 })];
      const round1 = assignor.assign(group, topics);
      expect(names(round1)).toEqual({ C0: ['t1p0'], C1: ['t1p1'] });
      const round2 = assignor.assign(afterRound(group, round1, 4), topics);
      expect(names(round2)).toEqual({ C0: ['t1p0'], C1: ['t0p0', 't1p1'] });
    });
  });

  describe('claims and generations', () => {
    const four = new Map([['t0', 4]]);

    it('a partition claimed twice in one generation is taken from both and assigned to nobody this round', () => {
      const group = [
        member('A', { topics: ['t0'], owned: tps('t0p0', 't0p1'), generation: 5 }),
        member('B', { topics: ['t0'], owned: tps('t0p1', 't0p2', 't0p3'), generation: 5 }),
      ];
      const round1 = assignor.assign(group, four);
      expect(names(round1)).toEqual({ A: ['t0p0'], B: ['t0p2', 't0p3'] });
      expect(names(assignor.assign(afterRound(group, round1, 6), four))).toEqual({ A: ['t0p0', 't0p1'], B: ['t0p2', 't0p3'] });
    });

    it('of claims from different generations the newer wins, whichever member comes first', () => {
      const newer = member('A', { topics: ['t0'], owned: tps('t0p0', 't0p1'), generation: 5 });
      const stale = member('B', { topics: ['t0'], owned: tps('t0p1', 't0p2', 't0p3'), generation: 3 });
      const expected = { A: ['t0p0', 't0p1'], B: ['t0p2', 't0p3'] };
      expect(names(assignor.assign([newer, stale], four))).toEqual(expected);
      expect(names(assignor.assign([stale, newer], four))).toEqual(expected);
    });

    it('a stale generation keeps what nobody newer claims', () => {
      const group = [member('A', { topics: ['t0'], owned: tps('t0p0', 't0p1'), generation: 9 }), member('B', { topics: ['t0'], owned: tps('t0p2', 't0p3'), generation: 2 })];
      expect(names(assignor.assign(group, four))).toEqual({ A: ['t0p0', 't0p1'], B: ['t0p2', 't0p3'] });
    });

    it('ignores claims on partitions or topics that do not exist', () => {
      const group = [member('A', { topics: ['t0'], owned: tps('t0p0', 't0p7', 'gonep0'), generation: 1 }), member('B', { topics: ['t0'], generation: 1 })];
      const result = assignor.assign(group, four);
      expect(names(result)).toEqual({ A: ['t0p0', 't0p1'], B: ['t0p2', 't0p3'] });
    });
  });

  it('handles an empty group and members with nothing to assign', () => {
    expect(assignor.assign([], new Map([['t0', 3]])).size).toBe(0);
    expect(names(assignor.assign([member('A', ['none']), member('B', [])], new Map([['t0', 3]])))).toEqual({ A: [], B: [] });
  });
});

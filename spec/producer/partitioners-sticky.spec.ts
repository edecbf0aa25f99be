import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StickyPartitioner } from '../../src/producer/partitioners/sticky.js';
import { seeded } from '../support/seeded.js';

describe('StickyPartitioner', () => {
  it('stays on one partition until onNewBatch, then moves to another', () => {
    const sticky = new StickyPartitioner({ random: seeded(1) });
    const first = sticky.partition('t', 12);
    for (let i = 0; i < 1000; i++) expect(sticky.partition('t', 12)).toBe(first);

    const next = sticky.onNewBatch('t', first, 12);
    expect(next).not.toBe(first);
    for (let i = 0; i < 1000; i++) expect(sticky.partition('t', 12)).toBe(next);
  });

  it('moves on every closed batch even when the random source is constant', () => {
    const sticky = new StickyPartitioner({ random: () => 0.3 });
    // floor(0.3 * 10) = 3; then 0.3 over the 9 others picks slot 2 (partition 2), then slot 2
    // of {0,1,3,...} which is partition 3.
    expect(sticky.partition('t', 10)).toBe(3);
    expect(sticky.onNewBatch('t', 3, 10)).toBe(2);
    expect(sticky.onNewBatch('t', 2, 10)).toBe(3);
    expect(sticky.partition('t', 10)).toBe(3);
  });

  it('is deterministic for a given random source', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 30 }), (seed, count, moves) => {
        const run = (): number[] => {
          const sticky = new StickyPartitioner({ random: seeded(seed) });
          const seen = [sticky.partition('t', count)];
          for (let i = 0; i < moves; i++) seen.push(sticky.onNewBatch('t', seen[seen.length - 1], count));
          return seen;
        };
        expect(run()).toEqual(run());
      }),
    );
  });

  it('chooses only available partitions, and never the same one twice in a row when it can avoid it', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 40 }).chain((count) =>
          fc.tuple(fc.constant(count), fc.uniqueArray(fc.nat(count - 1), { minLength: 1, maxLength: count })),
        ),
        (seed, [count, available]) => {
          const sticky = new StickyPartitioner({ random: seeded(seed) });
          let current = sticky.partition('t', count, available);
          expect(available).toContain(current);
          for (let i = 0; i < 20; i++) {
            const next = sticky.onNewBatch('t', current, count, available);
            expect(available).toContain(next);
            if (available.length > 1) expect(next).not.toBe(current);
            expect(sticky.partition('t', count, available)).toBe(next);
            current = next;
          }
        },
      ),
    );
  });

  it('reaches every available partition over many batches', () => {
    const sticky = new StickyPartitioner({ random: seeded(42) });
    const available = [1, 4, 5, 9];
    const seen = new Set<number>([sticky.partition('t', 10, available)]);
    let current = [...seen][0];
    for (let i = 0; i < 200; i++) {
      current = sticky.onNewBatch('t', current, 10, available);
      seen.add(current);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(available);
  });

  it('always answers 0 for a single-partition topic', () => {
    const sticky = new StickyPartitioner({ random: seeded(7) });
    expect(sticky.partition('one', 1)).toBe(0);
    for (let i = 0; i < 10; i++) {
      expect(sticky.onNewBatch('one', 0, 1)).toBe(0);
      expect(sticky.partition('one', 1)).toBe(0);
    }
    expect(sticky.partition('one', 1, [0])).toBe(0);
  });

  it('stays on the only available partition when a batch closes', () => {
    const sticky = new StickyPartitioner({ random: seeded(3) });
    expect(sticky.partition('t', 6, [4])).toBe(4);
    expect(sticky.onNewBatch('t', 4, 6, [4])).toBe(4);
  });

  it('ignores a stale onNewBatch for a partition that is no longer the sticky one', () => {
    // Were the stale call honoured, the third draw (0.9) would move the topic to 9.
    const values = [0.3, 0.3, 0.9];
    const sticky = new StickyPartitioner({ random: () => values.shift() ?? 0.9 });
    expect(sticky.partition('t', 10)).toBe(3);
    expect(sticky.onNewBatch('t', 3, 10)).toBe(2);
    // A second close reported for partition 3 must not move the topic off 2.
    expect(sticky.onNewBatch('t', 3, 10)).toBe(2);
    expect(sticky.partition('t', 10)).toBe(2);
  });

  it('keeps one sticky partition per topic', () => {
    const values = [0.1, 0.9];
    const sticky = new StickyPartitioner({ random: () => values.shift() ?? 0.5 });
    expect(sticky.partition('a', 10)).toBe(1);
    expect(sticky.partition('b', 10)).toBe(9);
    expect(sticky.onNewBatch('a', 1, 10)).toBe(5);
    expect(sticky.partition('b', 10)).toBe(9);
  });

  it('leaves a sticky partition that lost its leader', () => {
    const sticky = new StickyPartitioner({ random: () => 0 });
    expect(sticky.partition('t', 4, [0, 1, 2, 3])).toBe(0);
    expect(sticky.partition('t', 4, [0, 1, 2, 3])).toBe(0);
    expect(sticky.partition('t', 4, [2, 3])).toBe(2);
    // Partition 0 coming back does not pull the topic back: 2 is still fine.
    expect(sticky.partition('t', 4, [0, 1, 2, 3])).toBe(2);
  });

  it('treats an empty available list as "every partition"', () => {
    const sticky = new StickyPartitioner({ random: () => 0.99 });
    expect(sticky.partition('t', 5, [])).toBe(4);
    expect(sticky.onNewBatch('t', 4, 5, [])).toBe(3);
  });

  it('re-chooses when the sticky partition is beyond the partition count it is given', () => {
    const sticky = new StickyPartitioner({ random: () => 0.99 });
    expect(sticky.partition('t', 8)).toBe(7);
    expect(sticky.partition('t', 4)).toBe(3);
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    expect(new StickyPartitioner({ random: () => 1 }).partition('t', 5)).toBe(4);
    expect(new StickyPartitioner({ random: () => -0.5 }).partition('t', 5)).toBe(0);
    expect(new StickyPartitioner({ random: () => Number.NaN }).partition('t', 5)).toBe(0);
  });
});

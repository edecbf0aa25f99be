import { describe, expect, it } from 'vitest';
import { rangeAssignor } from '../../../src/consumer/assignors/index.js';
import { member, names } from './support.js';

const both = ['t0', 't1'];
const threeEach = new Map([
  ['t0', 3],
  ['t1', 3],
]);

describe('range assignor', () => {
  it('is eager and named range', () => {
    expect(rangeAssignor).toMatchObject({ name: 'range', protocol: 'eager' });
  });

  it("gives the Java javadoc's assignment: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2]", () => {
    const result = rangeAssignor.assign([member('C1', both), member('C0', both)], threeEach);
    expect(names(result)).toEqual({ C0: ['t0p0', 't0p1', 't1p0', 't1p1'], C1: ['t0p2', 't1p2'] });
  });

  it('orders static members by instance id ahead of dynamic ones (MemberInfo), so a restart keeps their ranges', () => {
    // The javadoc's rolling-bounce case: member ids changed, instance ids I0/I1 did not.
    const result = rangeAssignor.assign(
      [member('C3', { topics: both, instance: 'I0' }), member('C2', { topics: both, instance: 'I1' })],
      threeEach,
    );
    expect(names(result)).toEqual({ C3: ['t0p0', 't0p1', 't1p0', 't1p1'], C2: ['t0p2', 't1p2'] });

    const mixed = rangeAssignor.assign(
      [member('a-dynamic', ['t0']), member('z-static', { topics: ['t0'], instance: 'I9' })],
      new Map([['t0', 3]]),
    );
    expect(names(mixed)).toEqual({ 'z-static': ['t0p0', 't0p1'], 'a-dynamic': ['t0p2'] });
  });

  it('compares member ids by UTF-16 code unit as Java does, not by locale', () => {
    const result = rangeAssignor.assign([member('b', ['t0']), member('B', ['t0'])], new Map([['t0', 3]]));
    expect(names(result)).toEqual({ B: ['t0p0', 't0p1'], b: ['t0p2'] });
  });

  it('ranges each topic over its own subscribers only', () => {
    const result = rangeAssignor.assign(
      [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t1'])],
      new Map([
        ['t0', 3],
        ['t1', 5],
      ]),
    );
    expect(names(result)).toEqual({ C0: ['t0p0', 't0p1'], C1: ['t0p2', 't1p0', 't1p1', 't1p2'], C2: ['t1p3', 't1p4'] });
  });

  it('gives every member an entry, and skips topics without partitions or that nobody subscribes to', () => {
    const result = rangeAssignor.assign(
      [member('C0', ['t0', 'missing']), member('C1', ['t0']), member('C2', [])],
      new Map([
        ['t0', 1],
        ['unsubscribed', 4],
        ['missing', 0],
      ]),
    );
    expect(names(result)).toEqual({ C0: ['t0p0'], C1: [], C2: [] });
  });
});

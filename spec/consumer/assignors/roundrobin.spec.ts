import { describe, expect, it } from 'vitest';
import { roundRobinAssignor } from '../../../src/consumer/assignors/index.js';
import { member, names } from './support.js';

describe('roundrobin assignor', () => {
  it('is eager and named roundrobin', () => {
    expect(roundRobinAssignor).toMatchObject({ name: 'roundrobin', protocol: 'eager' });
  });

  it("gives the Java javadoc's first assignment: C0 [t0p0, t0p2, t1p1], C1 [t0p1, t1p0, t1p2]", () => {
    const both = ['t1', 't0'];
    const result = roundRobinAssignor.assign(
      [member('C1', both), member('C0', both)],
      new Map([
        ['t1', 3],
        ['t0', 3],
      ]),
    );
    expect(names(result)).toEqual({ C0: ['t0p0', 't0p2', 't1p1'], C1: ['t0p1', 't1p0', 't1p2'] });
  });

  it("skips members not subscribed to a topic, as in the javadoc's second example", () => {
    const result = roundRobinAssignor.assign(
      [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])],
      new Map([
        ['t0', 1],
        ['t1', 2],
        ['t2', 3],
      ]),
    );
    expect(names(result)).toEqual({ C0: ['t0p0'], C1: ['t1p0'], C2: ['t1p1', 't2p0', 't2p1', 't2p2'] });
  });

  it('deals in MemberInfo order: static members first, by instance id', () => {
    const result = roundRobinAssignor.assign(
      [member('m-a', ['t0']), member('m-b', { topics: ['t0'], instance: 'z' }), member('m-c', { topics: ['t0'], instance: 'y' })],
      new Map([['t0', 4]]),
    );
    expect(names(result)).toEqual({ 'm-c': ['t0p0', 't0p3'], 'm-b': ['t0p1'], 'm-a': ['t0p2'] });
  });

  it('gives every member an entry, and skips topics without metadata', () => {
    const result = roundRobinAssignor.assign([member('C0', ['gone']), member('C1', ['t0'])], new Map([['t0', 2]]));
    expect(names(result)).toEqual({ C0: [], C1: ['t0p0', 't0p1'] });
  });
});

import { describe, expect, it } from 'vitest';
import { ProducerBatch } from '../../src/producer/producer-batch.js';
import { Receipts } from '../../src/producer/receipts.js';
import { Sequencing, sequenceAfter, type SequencingHost } from '../../src/producer/sequencing.js';
import type { ProducerIdentity } from '../../src/producer/identity.js';

const batch = (partition: number, count: number) =>
  new ProducerBatch('t', partition, null, new Receipts(new Int32Array(count), new Float64Array(count), null, [count], [], [], 0), -1, -1n, -1, false, 0);

function host(first: ProducerIdentity) {
  const dispatched: ProducerBatch[] = [];
  let resolveObtain: (i: ProducerIdentity) => void = () => undefined;
  let bumpWith: (i: ProducerIdentity) => void = () => undefined;
  const bumpedFrom: ProducerIdentity[] = [];
  /** The sender's view: batches waiting per partition, and partitions with something in flight. */
  const queued = new Map<number, ProducerBatch[]>();
  const busy = new Set<number>();
  let drains = 0;
  const h: SequencingHost = {
    obtain: () => new Promise((r) => (resolveObtain = r)),
    bump: (current) => {
      bumpedFrom.push(current);
      return new Promise((r) => (bumpWith = r));
    },
    dispatch: (b) => dispatched.push(b),
    sender: {
      busy: (_t, p) => busy.has(p),
      queuedOf: (_t, p) => queued.get(p) ?? [],
      drain: () => void drains++,
      stop: () => undefined,
    },
  };
  return { h, dispatched, queued, busy, bumpedFrom, drains: () => drains, obtain: () => resolveObtain(first), bump: (i: ProducerIdentity) => bumpWith(i) };
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const stampOf = (b: ProducerBatch) => [b.producerEpoch, b.baseSequence];

describe('Sequencing', () => {
  it('keeps batches closed before the identity is known, then stamps them in order, sequences per partition', async () => {
    const t = host({ producerId: 7n, producerEpoch: 0 });
    const s = new Sequencing(true, t.h);
    const [a, b, c] = [batch(0, 3), batch(1, 2), batch(0, 4)];
    s.add(a);
    s.add(b);
    expect(t.dispatched).toEqual([]);
    t.obtain();
    await tick();
    s.add(c);
    expect(t.dispatched).toEqual([a, b, c]);
    expect([a, b, c].map((x) => [x.producerId, x.baseSequence])).toEqual([[7n, 0], [7n, 0], [7n, 3]]);
  });

  it('a gap holds its partition only: once nothing of it is in flight and the epoch is bumped, its waiting batches are stamped again from 0', async () => {
    const t = host({ producerId: 7n, producerEpoch: 0 });
    const s = new Sequencing(true, t.h);
    const failed = batch(0, 5);
    const other = batch(1, 4);
    s.add(failed);
    s.add(other);
    t.obtain();
    await tick();
    const behind = [batch(0, 2), batch(0, 3)];
    for (const b of behind) s.add(b);
    t.queued.set(0, behind);
    t.busy.add(0); // a batch of partition 0 is still in flight
    s.sequenceGap(failed);
    expect(t.bumpedFrom).toEqual([{ producerId: 7n, producerEpoch: 0 }]);
    expect(s.mayWrite('t', 0)).toBe(false);
    expect(s.mayWrite('t', 1)).toBe(true); // partition 1 keeps its pipeline and its epoch
    t.bump({ producerId: 7n, producerEpoch: 1 });
    await tick();
    expect(s.mayWrite('t', 0)).toBe(false); // in flight still: its answer may move the sequences
    t.busy.delete(0);
    expect(behind.map(stampOf)).toEqual([[0, 5], [0, 7]]);
    expect(s.mayWrite('t', 0)).toBe(true);
    expect(behind.map(stampOf)).toEqual([[1, 0], [1, 2]]);
    const next0 = batch(0, 1);
    const next1 = batch(1, 1);
    s.add(next0);
    s.add(next1);
    expect(stampOf(next0)).toEqual([1, 5]);
    expect(stampOf(next1)).toEqual([0, 4]);
    // a batch of the old stamp failing again changes nothing
    s.sequenceGap(failed);
    expect(t.bumpedFrom).toHaveLength(1);
    expect(s.mayWrite('t', 0)).toBe(true);
  });

  it('a gap on a partition still on an older epoch moves it to the newest without another bump', async () => {
    const t = host({ producerId: 7n, producerEpoch: 0 });
    const s = new Sequencing(true, t.h);
    const a = batch(0, 1);
    const b = batch(1, 1);
    s.add(a);
    s.add(b);
    t.obtain();
    await tick();
    s.sequenceGap(a);
    t.bump({ producerId: 7n, producerEpoch: 1 });
    await tick();
    expect(s.mayWrite('t', 0)).toBe(true);
    const waiting = [batch(1, 2)];
    t.queued.set(1, waiting);
    s.sequenceGap(b); // partition 1 was still on epoch 0
    expect(t.bumpedFrom).toHaveLength(1);
    expect(s.mayWrite('t', 1)).toBe(true);
    expect(waiting.map(stampOf)).toEqual([[1, 0]]);
  });

  it('passes batches through untouched without idempotence', () => {
    const t = host({ producerId: 7n, producerEpoch: 0 });
    const s = new Sequencing(false, t.h);
    const a = batch(0, 3);
    s.add(a);
    expect(t.dispatched).toEqual([a]);
    expect(a.baseSequence).toBe(-1);
  });

  it('wraps sequences past int32 max to 0', () => {
    expect(sequenceAfter(0x7fffffff - 1, 3)).toBe(1);
  });
});

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
  const queued: ProducerBatch[] = [];
  const h: SequencingHost = {
    obtain: () => new Promise((r) => (resolveObtain = r)),
    bump: () => new Promise((r) => (bumpWith = r)),
    dispatch: (b) => dispatched.push(b),
    sender: { hold: () => undefined, release: () => undefined, whenEncoded: (cb) => cb(), queued: () => queued, stop: () => undefined },
  };
  return { h, dispatched, queued, obtain: () => resolveObtain(first), bump: (i: ProducerIdentity) => bumpWith(i) };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

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

  it('bumps the epoch on a gap of the current epoch, re-stamping what waits from 0; a gap of an older epoch is ignored', async () => {
    const t = host({ producerId: 7n, producerEpoch: 0 });
    const s = new Sequencing(true, t.h);
    const first = batch(0, 5);
    s.add(first);
    t.obtain();
    await tick();
    const waiting = batch(0, 2);
    s.add(waiting);
    t.queued.push(waiting);
    s.sequenceGap(first);
    t.bump({ producerId: 7n, producerEpoch: 1 });
    await tick();
    expect([waiting.producerEpoch, waiting.baseSequence]).toEqual([1, 0]);
    const next = batch(0, 1);
    s.add(next);
    expect([next.producerEpoch, next.baseSequence]).toEqual([1, 2]);
    // the old epoch's batch failing again changes nothing
    s.sequenceGap(first);
    const after = batch(0, 1);
    s.add(after);
    expect([after.producerEpoch, after.baseSequence]).toEqual([1, 3]);
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

import { describe, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { FakeClusterClient } from '../../spec/support/fake-cluster-client.js';
import { createTestScheduler, rec, shapes, valueOfSize } from './helpers.js';

// The producers here set sendWhenIdle: false: these tests time batches by lingerMs, which a
// record finding its partition idle would skip (send-linger.spec.ts tests that rule).

describe('producer batching triggers (virtual time)', () => {
  it('linger: records at frames 0 and 3 with lingerMs 10 go in one Produce request at frame 10', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 5 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 10 }, ts);
      const records = cold('a--b 20ms |', { a: rec('a', 0, 'ctx-a'), b: rec('b', 0, 'ctx-b') });

      expectObservable(shapes(fake.produceCalls$)).toBe('10ms x', { x: ['t/0: a,b'] });
      expectObservable(records.pipe(producer.produce())).toBe('15ms (xy) 5ms |', {
        x: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 'ctx-a' },
        y: { topic: 't', partition: 0, offset: 1n, timestamp: 3, context: 'ctx-b' },
      });
    });
  });

  it('linger is counted from the first record of a batch, per partition', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, brokers: 1 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 10 }, ts);
      // p0 opens at 0, p1 at 4; p0's second batch opens at 12.
      const records = cold('a---b-------c 30ms |', { a: rec('a', 0), b: rec('b', 1), c: rec('c', 0) });

      expectObservable(shapes(fake.produceCalls$)).toBe('10ms x 3ms y 7ms z', {
        x: ['t/0: a'],
        y: ['t/1: b'],
        z: ['t/0: c'],
      });
      records.pipe(producer.produce()).subscribe();
    });
  });

  it('size: a batch that reaches batchBytes is sent at once, before linger', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 } });
      // Two 41-byte records fill an 82-byte batch.
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 1000, batchBytes: 82 }, ts);
      const a = valueOfSize(41, 'a');
      const b = valueOfSize(41, 'b');
      const c = valueOfSize(41, 'c');
      const records = cold('a--b-c 20ms |', { a: rec(a, 0), b: rec(b, 0), c: rec(c, 0) });

      // [a, b] at 3 when full; c is still lingering when the input completes at 26 and flushes it.
      expectObservable(shapes(fake.produceCalls$)).toBe('3ms x 22ms y', { x: [`t/0: ${a},${b}`], y: [`t/0: ${c}`] });
      records.pipe(producer.produce()).subscribe();
    });
  });

  it('size: a record that would overflow the held batch closes it first', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 } });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 1000, batchBytes: 100 }, ts);
      const a = valueOfSize(60, 'a');
      const b = valueOfSize(60, 'b');
      const records = cold('a-b', { a: rec(a, 0), b: rec(b, 0) });

      // 60 + 60 > 100: [a] goes when b arrives at 2; b lingers until 1002.
      expectObservable(shapes(fake.produceCalls$)).toBe('2ms x 999ms y', { x: [`t/0: ${a}`], y: [`t/0: ${b}`] });
      records.pipe(producer.produce()).subscribe();
    });
  });

  it('batches waiting for a busy broker go together in one Produce request once a slot frees', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      // Partitions 0 and 2 led by broker 1, partition 1 by broker 2.
      const fake = new FakeClusterClient(ts, { topics: { t: { partitions: 3, leaders: [1, 2, 1] } }, delayMs: 20 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, maxInFlight: 1 }, ts);
      const records = cold('a------(bcd) 40ms |', { a: rec('a', 0), b: rec('b', 0), c: rec('c', 1), d: rec('d', 2) });

      // a goes alone at 5 and holds broker 1's only slot until 25; b and d close at 12 and wait
      // for it, then share one request; c's broker is free, so c goes at 12.
      expectObservable(shapes(fake.produceCalls$)).toBe('5ms x 6ms y 12ms z', {
        x: ['t/0: a'],
        y: ['t/1: c'],
        z: ['t/0: b', 't/2: d'],
      });
      records.pipe(producer.produce()).subscribe();
    });
  });

  it('batches closed together (flush) for one broker go in one Produce request', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: { partitions: 3, leaders: [1, 2, 1] } } });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5 }, ts);
      const records = cold('(abc|)', { a: rec('a', 0), b: rec('b', 1), c: rec('c', 2) });

      expectObservable(shapes(fake.produceCalls$)).toBe('(xy)', { x: ['t/0: a', 't/2: c'], y: ['t/1: b'] });
      records.pipe(producer.produce()).subscribe();
    });
  });
});

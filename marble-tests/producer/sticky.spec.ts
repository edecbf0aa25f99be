import { afterEach, describe, it, vi } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import type { ProducerRecord } from '../../src/producer/record.js';
import { FakeClusterClient } from '../../spec/support/fake-cluster-client.js';
import { createTestScheduler, shapes, valueOfSize } from './helpers.js';

// The producers here set sendWhenIdle: false: these tests time batches by lingerMs, which a
// record finding its partition idle would skip (send-linger.spec.ts tests that rule).

const keyless = (value: string): ProducerRecord => ({ topic: 't', value });

describe('sticky partitioning of keyless records (KIP-480, virtual time)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a record that would overflow the open batch closes it and goes to the next sticky partition', () => {
    // the first sticky choice is floor(random * 2): partition 0; later ones are "the other one"
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 2 }, brokers: 1, delayMs: 2 });
      // Two 41-byte records fit a 100-byte batch; a third would not.
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 10, batchBytes: 100 }, ts);
      const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((v) => keyless(valueOfSize(41, v)));
      const records = cold('abcde 30ms |', { a, b, c, d, e });

      // c closes [a,b] on p0 and opens p1; e closes [c,d] on p1 and opens p0 again, where it
      // lingers until frame 14. No batch holds a lone record left behind by a move.
      const v = (x: ProducerRecord) => x.value as string;
      expectObservable(shapes(fake.produceCalls$)).toBe('--x-y 9ms z', {
        x: [`t/0: ${v(a)},${v(b)}`],
        y: [`t/1: ${v(c)},${v(d)}`],
        z: [`t/0: ${v(e)}`],
      });
      records.pipe(producer.produce()).subscribe();
    });
  });

  it('send([...]) places a run of keyless records the same way, batch by batch', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 2 }, brokers: 1, delayMs: 2 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 10, batchBytes: 100 }, ts);
      const records = ['a', 'b', 'c', 'd', 'e'].map((v) => keyless(valueOfSize(41, v)));
      const v = (x: ProducerRecord) => x.value as string;
      // [a,b] fill p0's batch as far as it goes; c closes it and moves to p1; e closes [c,d]
      // and goes back to p0. The closed batches share a request. [e] would only wait behind
      // [a,b] (acks 1: one in flight), so it lingers for 10 ms, open to more records
      expectObservable(shapes(fake.produceCalls$)).toBe('x 9ms z', {
        x: [`t/0: ${v(records[0])},${v(records[1])}`, `t/1: ${v(records[2])},${v(records[3])}`],
        z: [`t/0: ${v(records[4])}`],
      });
      ts.schedule(() => void producer.send(records), 0);
    });
  });

  it('send([...]): a record larger than batchBytes goes in a batch of its own, and the run goes on after it', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 2 }, brokers: 1, delayMs: 2 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 10, batchBytes: 100 }, ts);
      const [a, big, c, d] = [valueOfSize(41, 'a'), valueOfSize(150, 'b'), valueOfSize(41, 'c'), valueOfSize(41, 'd')];
      // big closes [a] on p0 and fills p1's batch alone; c and d go back to p0 and linger, as
      // they would only wait behind [a]
      expectObservable(shapes(fake.produceCalls$)).toBe('x 9ms z', {
        x: [`t/0: ${a}`, `t/1: ${big}`],
        z: [`t/0: ${c},${d}`],
      });
      ts.schedule(() => void producer.send([a, big, c, d].map(keyless)), 0);
    });
  });
});

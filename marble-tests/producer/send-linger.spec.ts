import { describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { FakeClusterClient } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, track } from './helpers.js';

/** Each Produce request as `time: values` per batch. */
const sentAt = (fake: FakeClusterClient) => fake.produceCalls.map((c) => `${c.at}: ${c.batches.map((b) => b.values.join('')).join(' ')}`);

describe('producer: linger, idle partitions and send([...]) (virtual time)', () => {
  it('a record that finds its partition idle goes at once; those arriving while it is out go together once it is answered', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 5 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 10 }, ts);
    void producer.send(rec('a', 0));
    await advanceTo(ts, 1);
    void producer.send(rec('b', 0)); // a is out until 5: b waits, with c, for its answer
    await advanceTo(ts, 3);
    void producer.send(rec('c', 0));
    await advanceTo(ts, 30);
    void producer.send(rec('d', 0)); // idle again
    await advanceTo(ts, 50);
    expect(sentAt(fake)).toEqual(['0: a', '5: bc', '30: d']);
  });

  it('with idempotence a partition with a batch out is not idle, though its window has room: the next record waits for its answer', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 5 });
    const producer = new Producer(fake, { lingerMs: 10 }, ts);
    void producer.send(rec('a', 0));
    await advanceTo(ts, 1);
    void producer.send(rec('b', 0));
    await advanceTo(ts, 50);
    expect(sentAt(fake)).toEqual(['0: a', '5: b']);
  });

  it('an answer slower than lingerMs: the waiting batch goes at lingerMs, where its window has room', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 50 });
    const producer = new Producer(fake, { lingerMs: 10 }, ts); // idempotent: room for 5 in flight
    // the first batch of a producer id goes alone; once it is answered, the partition pipelines
    const a = track(producer.send(rec('a', 0)));
    await advanceTo(ts, 60);
    expect(a.state).toBe('fulfilled');
    void producer.send(rec('b', 0));
    await advanceTo(ts, 61);
    void producer.send(rec('c', 0));
    await advanceTo(ts, 200);
    expect(sentAt(fake)).toEqual(['0: a', '60: b', '71: c']);
  });

  it('sendWhenIdle false: every batch lingers, a lone record too', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 5 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 10, sendWhenIdle: false }, ts);
    void producer.send(rec('a', 0));
    await advanceTo(ts, 50);
    expect(sentAt(fake)).toEqual(['10: a']);
  });

  it("a send([...]) call's batches close as it returns, where they would go at once; a single send() that finds them out waits for their answer", async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 2 }, delayMs: 5 });
    const producer = new Producer(fake, { lingerMs: 10 }, ts); // idempotent: 5 batches of a partition in flight
    const many = track(producer.send([rec('a', 0), rec('b', 0), rec('c', 1)]));
    await advanceTo(ts, 2);
    const one = track(producer.send(rec('d', 0)));
    await advanceTo(ts, 50);
    expect(sentAt(fake)).toEqual(['0: ab', '0: c', '5: d']); // partitions 0 and 1 have different leaders
    expect([many.state, one.state]).toEqual(['fulfilled', 'fulfilled']);
  });

  it('an awaited send([...]) after another pays no linger', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 5 });
    const producer = new Producer(fake, { lingerMs: 10 }, ts);
    const calls = (async () => {
      for (const v of ['a', 'b', 'c']) await producer.send([rec(v, 0)]);
    })();
    await advanceTo(ts, 100);
    await calls;
    expect(sentAt(fake)).toEqual(['0: a', '5: b', '10: c']);
  });

  it("where the partition's window is full (one in flight without idempotence) the call's batch stays open to more records until the partition is idle", async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 5 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 10 }, ts);
    void producer.send([rec('a', 0)]);
    await advanceTo(ts, 1);
    void producer.send([rec('b', 0)]); // a is in flight: b would wait anyway
    await advanceTo(ts, 3);
    void producer.send([rec('c', 0)]);
    await advanceTo(ts, 50);
    expect(sentAt(fake)).toEqual(['0: a', '5: bc']);
  });
});

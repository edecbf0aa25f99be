import { describe, expect, it } from 'vitest';
import { createClient, ProducerClosedError } from '../../src/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';
import { memoryCluster, outcomeOf as outcome } from '../support/memory-cluster.js';

describe('closing a producer settles everything', () => {
  it('settles records sent just before close() to a topic not used yet, and those sent during it', async () => {
    const { time, cluster, client, done } = await memoryCluster(['used', 'fresh']);
    const producer = client.producer({});
    await time.run(() => producer.send({ topic: 'used', value: 'warm' }));
    const before = outcome(producer.send({ topic: 'fresh', value: 'before close' }));
    const closing = producer.close();
    const during = outcome(producer.send({ topic: 'fresh', value: 'during close' }));
    const duringMany = outcome(producer.send([{ topic: 'other-new', value: 'a' }, { topic: 'fresh', value: 'b' }]));
    expect(await time.run(() => Promise.all([before, during, duringMany]))).toEqual(['delivered', 'refused', 'refused']);
    await time.run(() => closing);
    // a flush after close returns, with nothing to wait for
    await time.run(() => producer.flush());
    expect(cluster.records('fresh', 0).length + cluster.records('fresh', 1).length + cluster.records('fresh', 2).length).toBe(1);
    await done();
  });

  it('settles records of produce() and the Observer side sent during close()', async () => {
    const { time, client, done } = await memoryCluster(['used', 'fresh']);
    const producer = client.producer({});
    const errors: Error[] = [];
    producer.errors$.subscribe((e) => errors.push(e));
    const closing = producer.close();
    producer.next({ topic: 'fresh', value: 'late' });
    await time.run(() => closing);
    expect(errors).toHaveLength(1);
    expect(errors[0].cause).toBeInstanceOf(ProducerClosedError);
    await time.run(() => producer.flush());
    await done();
  });

  it('cancels an epoch bump under way: the client closes and nothing retries after', async () => {
    const { time, cluster, client, done } = await memoryCluster(['used', 'fresh']);
    const producer = client.producer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500 });
    await time.run(() => producer.send({ topic: 'used', partition: 0, value: 'warm' }));
    // a batch expires (its broker silent) and leaves a sequence gap: the producer bumps its epoch
    const leader = cluster.partitionInfo('used', 0)?.leader ?? -1;
    cluster.setLatency(leader, 3_600_000);
    cluster.injectErrors('InitProducerId', Array(50).fill(15)); // COORDINATOR_NOT_AVAILABLE: the bump keeps retrying
    const inits: number[] = [];
    const watch = cluster.requests$.subscribe((r) => r.apiKey === 22 && inits.push(time.now()));
    const lost = outcome(producer.send({ topic: 'used', partition: 0, value: 'lost' }));
    await time.advance(10_000); // the request times out (5.5 s), its batch expires, the bump begins
    // the bump is under way: asked, refused, asked again
    expect(inits.length).toBeGreaterThan(1);
    await time.run(() => client.close());
    const closedAt = time.now();
    await time.advance(60_000);
    watch.unsubscribe();
    expect(await lost).not.toBe('delivered');
    expect(inits.filter((t) => t > closedAt)).toEqual([]);
    await cluster.stop();
    void done;
  });
});

/** Handles of the event loop, counted by kind (sockets, timers): what a closed client must not add to. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}
const added = (before: Map<string, number>, after: Map<string, number>) =>
  [...after].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind]) => kind);

/**
 * What the client added to the event loop and has not let go of after `turns` turns: a socket
 * destroyed while connecting leaves the handle list a few turns later, a leaked timer or socket
 * never does. No real time passes.
 */
async function leftAfterTurns(before: Map<string, number>, turns = 50): Promise<string[]> {
  for (let i = 0; i < turns && added(before, handles()).length > 0; i++) await new Promise((r) => setImmediate(r));
  return added(before, handles());
}

describeInterop("closing a producer settles everything (librdkafka's mock)", ['librdkafka', 'kcat'], () => {
  it('settles records sent just before close() to a topic not used yet, and those sent during it', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'used', partitions: 1 }, { name: 'fresh', partitions: 1 }] });
    const client = createClient({ brokers: [...mock.bootstrap] });
    try {
      const producer = client.producer({});
      await producer.send({ topic: 'used', value: 'warm' });
      const before = outcome(producer.send({ topic: 'fresh', value: 'before close' }));
      const closing = producer.close();
      const during = outcome(producer.send({ topic: 'fresh', value: 'during close' }));
      const duringMany = outcome(producer.send([{ topic: 'other-new', value: 'a' }, { topic: 'fresh', value: 'b' }]));
      expect(await Promise.all([before, during, duringMany])).toEqual(['delivered', 'refused', 'refused']);
      await closing;
      await producer.flush(); // after close: nothing to wait for
      const read = await kcatConsume({ brokers: mock.bootstrap, topic: 'fresh', partition: 0, count: 1 });
      expect(read.map((r) => r.value?.toString())).toEqual(['before close']);
    } finally {
      await client.close();
      await mock.stop();
    }
  }, 60_000);

  it('closing the client during an epoch bump ends it: the record fails, close() returns, no socket or timer is left', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'used', partitions: 1 }] });
    await mock.setLeader('used', 0, 2);
    const start = handles();
    const client = createClient({ brokers: [...mock.bootstrap] });
    try {
      const producer = client.producer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500 });
      await producer.send({ topic: 'used', value: 'warm' });
      // the leader goes silent: the batch in flight is given up (request timeout + 5 s), leaving
      // a sequence gap; the bump's InitProducerId is refused again and again, so it is still
      // under way when the client closes
      await mock.setRtt(2, 600_000);
      await mock.pushErrors(22, Array(60).fill(15)); // COORDINATOR_NOT_AVAILABLE
      expect(await outcome(producer.send({ topic: 'used', value: 'lost' }))).not.toBe('delivered');
      await client.close();
      expect(await leftAfterTurns(start)).toEqual([]);
    } finally {
      await client.close();
      await mock.stop();
    }
  }, 60_000);
});

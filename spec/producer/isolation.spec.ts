import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, DeliveryTimeoutError } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'delivered',
    (e: unknown) => (e instanceof DeliveryTimeoutError ? 'timed out' : `failed: ${String(e)}`),
  );

describe('one silent broker does not stall the others (MockCluster, virtual time)', () => {
  it('an idempotent producer whose batch for a silent broker expires goes on delivering to the healthy brokers at once', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
    await cluster.createTopic('t', { partitions: 3, replicationFactor: 3 });
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    const producer = client.producer({ deliveryTimeoutMs: 3000 }); // idempotent, acks all: the defaults
    const leaders = [0, 1, 2].map((p) => cluster.partitionInfo('t', p)?.leader ?? -1);
    await time.run(() => producer.send([0, 1, 2].map((partition) => ({ topic: 't', partition, value: 'warm' }))));
    const silent = leaders[0];
    const healthy = [1, 2].find((p) => leaders[p] !== silent) ?? -1;
    expect(healthy).toBeGreaterThan(0);
    cluster.setLatency(silent, 600_000); // connection open, no answers
    // five batches go out to the silent broker and stay in flight (the partition's window); the
    // next waits behind them and expires
    const inFlight: Array<Promise<string>> = [];
    for (let i = 0; i < 5; i++) {
      inFlight.push(outcome(producer.send({ topic: 't', partition: 0, value: `in flight ${i}` })));
      await time.advance(10);
    }
    expect((await firstValueFrom(producer.stats$)).inFlight).toBe(5);
    const expires = outcome(producer.send({ topic: 't', partition: 0, value: 'expires' }));
    await time.advance(3500);
    expect(await Promise.race([expires, Promise.resolve('pending')])).toBe('timed out');
    // the sequence gap is repaired (epoch bump) without waiting for the silent broker's request
    const started = time.now();
    expect(await time.run(() => outcome(producer.send({ topic: 't', partition: healthy, value: 'healthy' })))).toBe('delivered');
    expect(time.now() - started).toBeLessThan(100);
    cluster.setLatency(silent, 0);
    cluster.setBrokerDown(silent);
    cluster.setBrokerUp(silent);
    for (const o of await time.run(() => Promise.all(inFlight))) expect(o).not.toBe('delivered-twice');
    await time.run(() => client.close());
    await cluster.stop();
  });
});

describeInterop("one silent broker does not stall the others (librdkafka's mock)", ['librdkafka', 'kcat'], () => {
  it('an idempotent producer whose batch for a silent broker expires goes on delivering to the healthy brokers', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }] });
    const client = createClient({ brokers: [...mock.bootstrap] });
    try {
      for (const p of [0, 1, 2]) await mock.setLeader('t', p, p + 1);
      const producer = client.producer({ deliveryTimeoutMs: 2000, requestTimeoutMs: 20_000 });
      await producer.send([0, 1, 2].map((partition) => ({ topic: 't', partition, value: 'warm' })));
      await mock.setRtt(1, 600_000);
      const inFlight = outcome(producer.send({ topic: 't', partition: 0, value: 'in flight' }));
      await firstValueFrom(producer.stats$.pipe(filter((s) => s.inFlight > 0))); // its own batch, gone out
      const expires = outcome(producer.send({ topic: 't', partition: 0, value: 'expires' }));
      expect(await expires).toBe('timed out');
      const healthy = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(producer.send({ topic: 't', partition: 1 + (i % 2), value: `h${i}` }))));
      expect(healthy.every((h) => h === 'delivered')).toBe(true);
      const read = await kcatConsume({ brokers: mock.bootstrap, topic: 't', partition: 1, count: 11 });
      expect(read).toHaveLength(11);
      await mock.setRtt(1, 0);
      void inFlight;
    } finally {
      await client.close();
      await mock.stop();
    }
  }, 60_000);
});

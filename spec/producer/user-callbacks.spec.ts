import { describe, expect, it } from 'vitest';
import { createClient, ProducerClosedError } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

async function setup() {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('used', { partitions: 3, replicationFactor: 3 });
  await cluster.createTopic('fresh', { partitions: 3, replicationFactor: 3 });
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, done };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'delivered',
    (e: unknown) => (e instanceof ProducerClosedError ? 'refused' : `failed: ${String(e)}`),
  );

describe('a throwing user callback fails its record alone', () => {
  it('a context getter that throws: that record fails, its neighbours and later batches of the partition are delivered', async () => {
    const { time, cluster, client, done } = await setup();
    const producer = client.producer({});
    const bad = {
      topic: 'used',
      partition: 0,
      value: 'bad',
      get context(): never {
        throw new Error('context getter broke');
      },
    };
    const sends = [
      outcome(producer.send({ topic: 'used', partition: 0, value: 'a' })),
      outcome(producer.send(bad)),
      outcome(producer.send({ topic: 'used', partition: 0, value: 'b' })),
    ];
    const many = outcome(producer.send([{ topic: 'used', partition: 0, value: 'c' }, bad, { topic: 'used', partition: 0, value: 'd' }]));
    const results = await time.run(() => Promise.all([...sends, many]));
    expect(results[0]).toBe('delivered');
    expect(results[1]).toMatch(/context getter broke/);
    expect(results[2]).toBe('delivered');
    expect(results[3]).toMatch(/context getter broke/);
    // the partition goes on
    expect(await time.run(() => outcome(producer.send({ topic: 'used', partition: 0, value: 'after' })))).toBe('delivered');
    const stored = cluster.records('used', 0).map((r) => r.value?.toString());
    expect(stored).toEqual(expect.arrayContaining(['a', 'b', 'after']));
    expect(stored).not.toContain('bad');
    await done();
  });

  it('a partitioner that throws: that record fails, the others go on', async () => {
    const { time, client, done } = await setup();
    const producer = client.producer({
      partitioner: (record, partitions) => {
        if (record.value?.toString() === 'boom') throw new Error('partitioner broke');
        return 0 % partitions;
      },
    });
    const results = await time.run(() =>
      Promise.all([outcome(producer.send({ topic: 'used', value: 'x' })), outcome(producer.send({ topic: 'used', value: 'boom' })), outcome(producer.send({ topic: 'used', value: 'y' }))]),
    );
    expect(results[0]).toBe('delivered');
    expect(results[1]).toMatch(/InvalidPartitionError/);
    expect(results[2]).toBe('delivered');
    await done();
  });
});

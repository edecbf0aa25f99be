import { describe, expect, it } from 'vitest';
import { memoryCluster, outcomeOf as outcome } from '../support/memory-cluster.js';

describe('a throwing user callback fails its record alone', () => {
  it('a context getter that throws: that record fails, its neighbours and later batches of the partition are delivered', async () => {
    const { time, cluster, client, done } = await memoryCluster(['used', 'fresh']);
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
    const { time, client, done } = await memoryCluster(['used', 'fresh']);
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

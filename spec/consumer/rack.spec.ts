import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { Fetch } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

describe('fetching from the closest replica (KIP-392, MockCluster, virtual time)', () => {
  it('reads from the replica in its rack that the leader names, and falls back to the leader when that replica fails', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler, racks: ['r1', 'r2', 'r3'] });
    await cluster.createTopic('t', { partitions: 1, replicationFactor: 3 });
    cluster.moveLeader('t', 0, 1);
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    const producer = client.producer({});
    await time.run(() => producer.send([{ topic: 't', value: 'a' }, { topic: 't', value: 'b' }]));
    const fetchedFrom: number[] = [];
    cluster.requests$.subscribe((r) => r.apiKey === Fetch.apiKey && fetchedFrom.push(r.broker));
    const consumer = client.consumer({ assign: [{ topic: 't', partition: 0, offset: 0n }], rackId: 'r2' });
    const values: string[] = [];
    consumer.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    await time.advance(2000);
    expect(values).toEqual(['a', 'b']);
    expect(fetchedFrom[0]).toBe(1); // the leader first, which names broker 2
    expect(fetchedFrom.slice(1).every((b) => b === 2)).toBe(true);
    cluster.setBrokerDown(2);
    await time.run(() => producer.send({ topic: 't', value: 'c' }));
    await time.advance(5000);
    expect(values).toEqual(['a', 'b', 'c']);
    expect(fetchedFrom.at(-1)).not.toBe(2);
    await time.run(() => client.close());
    await cluster.stop();
  });
});

import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CreatePartitions } from '../../src/protocol/messages/index.js';
import { groupCluster } from './support.js';

describe('subscriptions follow the cluster (MockCluster, virtual time)', () => {
  it('a subscribed topic that does not exist yet is waited for, then read', async () => {
    const { time, cluster, client, done } = await groupCluster(1, 'orders', { autoCreateTopics: false });
    const consumer = client({ metadataMaxAgeMs: 1000 }).consumer({ groupId: 'w', topics: ['later'], autoOffsetReset: 'earliest' });
    const read = firstValueFrom(consumer.records$.pipe(take(3), toArray()));
    let failed: unknown = null;
    consumer.rebalances$.subscribe({ error: (e: unknown) => (failed = e) });
    await time.advance(5000);
    expect(failed).toBeNull(); // waited for, not an error
    await cluster.createTopic('later', { partitions: 2, replicationFactor: 3 });
    const partitionCount = 2;
    const producer = client().producer({});
    await time.run(() => producer.send([0, 1, 2].map((i) => ({ topic: 'later', partition: i % partitionCount, value: `l${i}` }))));
    const values = (await time.run(() => read)).map((r) => r.value?.toString()).sort();
    expect(values).toEqual(['l0', 'l1', 'l2']);
    await done();
  });

  it('a RegExp subscription picks up topics created later', async () => {
    const { time, cluster, client, done } = await groupCluster(1, 'orders-a');
    const consumer = client({ metadataMaxAgeMs: 1000 }).consumer({ groupId: 'rx', topics: /^orders-/, autoOffsetReset: 'earliest' });
    const read = firstValueFrom(consumer.records$.pipe(take(2), toArray()));
    const producer = client().producer({});
    await time.run(() => producer.send({ topic: 'orders-a', value: 'a' }));
    await time.advance(3000);
    await cluster.createTopic('orders-b', { partitions: 1, replicationFactor: 3 });
    await cluster.createTopic('other', { partitions: 1, replicationFactor: 3 });
    await time.run(() => producer.send([{ topic: 'orders-b', value: 'b' }, { topic: 'other', value: 'not mine' }]));
    const got = await time.run(() => read);
    expect(got.map((r) => `${r.topic}:${r.value?.toString()}`).sort()).toEqual(['orders-a:a', 'orders-b:b']);
    await done();
  });

  it('partitions added to a subscribed topic are assigned and read', async () => {
    const { time, client, done } = await groupCluster(2);
    const consumer = client({ metadataMaxAgeMs: 1000 }).consumer({ groupId: 'grow', topics: ['orders'], autoOffsetReset: 'earliest' });
    const partitions = new Set<number>();
    consumer.records$.subscribe((r) => partitions.add(r.partition));
    await time.advance(3000);
    const admin = client();
    const controller = (await time.run(() => admin.metadata())).controllerId;
    await time.run(() => firstValueFrom(admin.request({ nodeId: controller }, CreatePartitions, { topics: [{ name: 'orders', count: 4, assignments: null }], timeoutMs: 1000, validateOnly: false })));
    await time.advance(5000);
    const producer = client().producer({});
    await time.run(() => producer.send([0, 1, 2, 3].map((partition) => ({ topic: 'orders', partition, value: `p${partition}` }))));
    await time.advance(5000);
    expect([...partitions].sort()).toEqual([0, 1, 2, 3]);
    await done();
  });
});

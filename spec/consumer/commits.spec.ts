import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaError, NotAssignedError } from '../../src/index.js';
import { groupCluster } from './support.js';

describe('commits follow acks', () => {
  it('manual acks out of order commit only the contiguous run', async () => {
    const { time, client, produce, committed, done } = await groupCluster(1);
    await produce(5);
    const consumer = client().consumer({ groupId: 'm', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(5), toArray())));
    records[3].ack();
    records[1].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBeNull(); // offset 0 not acked: nothing committed
    records[0].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBe(2n); // 0 and 1 acked; 2 not
    records[2].ack();
    await time.run(() => consumer.commit());
    expect(committed('m', 0)).toBe(4n);
    records[4].ack();
    await time.run(() => consumer.close());
    expect(committed('m', 0)).toBe(5n); // close commits what is acked
    await done();
  });

  it('commits the leader epoch of the last acked record, and -1 after a seek', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(1);
    await produce(3);
    const before = cluster.partitionInfo('orders', 0)?.leaderEpoch as number;
    const leader = cluster.partitionInfo('orders', 0)?.leader as number;
    cluster.moveLeader('orders', 0, (leader % 3) + 1);
    const after = cluster.partitionInfo('orders', 0)?.leaderEpoch as number;
    expect(after).toBeGreaterThan(before);
    await produce(2, 3);
    const epoch = () => cluster.state.offsets.fetch('e', 'orders', 0)?.leaderEpoch;
    const consumer = client().consumer({ groupId: 'e', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(5), toArray())));
    expect(records.map((r) => r.leaderEpoch)).toEqual([before, before, before, after, after]);
    for (const r of records.slice(0, 3)) r.ack();
    await time.run(() => consumer.commit());
    expect(epoch()).toBe(before);
    records[3].ack(); // into the second batch: the record before the commit point tells the epoch
    await time.run(() => consumer.commit());
    expect(cluster.state.offsets.fetch('e', 'orders', 0)?.offset).toBe(4n);
    expect(epoch()).toBe(after);
    records[4].ack();
    await time.run(() => consumer.commit());
    expect(epoch()).toBe(after);
    consumer.seek({ topic: 'orders', partition: 0, offset: 1n });
    await time.run(() => consumer.commit());
    expect(cluster.state.offsets.fetch('e', 'orders', 0)?.offset).toBe(1n);
    expect(epoch()).toBe(-1);
    await time.run(() => consumer.close());
    await done();
  });

  it('auto-commits acked offsets every autoCommitIntervalMs', async () => {
    const { time, client, produce, committed, done } = await groupCluster(1);
    await produce(3);
    const consumer = client().consumer({ groupId: 'a', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 5000 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(3), toArray())));
    expect(records).toHaveLength(3);
    expect(committed('a', 0)).toBeNull();
    // auto acks as handed out; the interval commits them
    await time.advance(5000);
    await time.settle();
    expect(committed('a', 0)).toBe(3n);
    await time.run(() => consumer.close());
    await done();
  });

  it('commit() without a groupId, and seek or pause of a partition not owned, are typed errors', async () => {
    const { time, client, done } = await groupCluster(1);
    const consumer = client().consumer({ assign: [{ topic: 'orders', partition: 0, offset: 0n }] });
    const sub = consumer.records$.subscribe();
    await time.settle();
    await expect(consumer.commit()).rejects.toBeInstanceOf(KafkaError);
    expect(() => consumer.seek({ topic: 'orders', partition: 7, offset: 0n })).toThrow(NotAssignedError);
    expect(() => consumer.pause([{ topic: 'other', partition: 0 }])).toThrow(NotAssignedError);
    sub.unsubscribe();
    await time.run(() => consumer.close());
    await done();
  });
});

import { describe, expect, it } from 'vitest';
import type { ConsumerRecord, RebalanceEvent } from '../../src/index.js';
import { groupCluster } from './support.js';

describe('consumer groups (MockCluster, virtual time)', () => {
  it('three members read 60,000 records (3 brokers, 6 partitions), every record once between them, and after close the committed offsets are the log ends', async () => {
    const { time, cluster, client } = await groupCluster(6); // 3 brokers
    const producerClient = client();
    const producer = producerClient.producer({});
    const total = 60_000;
    await time.run(() => producer.send(Array.from({ length: total }, (_, i) => ({ topic: 'orders', key: `k${i}`, value: `v${i}` }))));
    const ends = Array.from({ length: 6 }, (_, p) => cluster.partitionInfo('orders', p)?.logEndOffset ?? -1n);
    expect(ends.reduce((a, b) => a + b, 0n)).toBe(BigInt(total));
    const clients = [client(), client(), client()];
    const consumers = clients.map((c) => c.consumer({ groupId: 'g', topics: ['orders'], autoOffsetReset: 'earliest' }));
    const events: RebalanceEvent[] = [];
    for (const c of consumers) c.rebalances$.subscribe((e) => events.push(e));
    // every record any member is handed, with the member that had it
    const read: Array<{ member: number; record: ConsumerRecord }> = [];
    let allRead: () => void = () => undefined;
    const readAll = new Promise<void>((resolve) => (allRead = resolve));
    consumers.forEach((c, member) =>
      c.records$.subscribe((record) => {
        read.push({ member, record });
        if (read.length === total) allRead();
      }),
    );
    await time.run(() => readAll);
    // some more time (heartbeats, auto-commits): nothing is handed out again
    await time.advance(10_000);
    expect(read.length).toBe(total);
    // one generation, the six partitions split among the three members, two each
    const assigned = events.filter((e) => e.type === 'assigned' && e.partitions.length > 0);
    expect(new Set(assigned.map((e) => e.memberId)).size).toBe(3);
    expect(assigned.map((e) => e.partitions.length)).toEqual([2, 2, 2]);
    expect(assigned.flatMap((e) => e.partitions.map((p) => p.partition)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.type !== 'assigned')).toEqual([]);
    // every record once: each value, and each offset of each partition up to its log end
    expect(new Set(read.map(({ record }) => record.value?.toString())).size).toBe(total);
    const offsets = new Map<number, bigint[]>();
    const owners = new Map<number, Set<number>>();
    for (const { member, record } of read) {
      const list = offsets.get(record.partition) ?? [];
      list.push(record.offset);
      offsets.set(record.partition, list);
      owners.set(record.partition, (owners.get(record.partition) ?? new Set()).add(member));
    }
    for (let p = 0; p < 6; p++) {
      expect(offsets.get(p), `partition ${p}`).toEqual(Array.from({ length: Number(ends[p]) }, (_, i) => BigInt(i)));
      // each partition read by one member only
      expect(owners.get(p)?.size, `partition ${p}`).toBe(1);
    }
    await time.run(() => Promise.all(consumers.map((c) => c.close())));
    for (let p = 0; p < 6; p++) {
      expect(cluster.state.offsets.fetch('g', 'orders', p)?.offset, `partition ${p}`).toBe(ends[p]);
    }
    await time.run(() => Promise.all([...clients, producerClient].map((c) => c.close())));
    await cluster.stop();
  }, 60_000);
});

describe('consumers sharing one client', () => {
  it('two members of one group on one client rebalance at once, on connections of their own (no held JoinGroup queued behind the other)', async () => {
    const { time, cluster, client } = await groupCluster(2);
    const shared = client();
    const events: string[] = [];
    const a = shared.consumer({ groupId: 'same', topics: ['orders'], sessionTimeoutMs: 30_000, heartbeatIntervalMs: 1000 });
    a.rebalances$.subscribe((e) => events.push(`a ${e.type} ${e.partitions.length}@${time.now()}`));
    a.records$.subscribe();
    await time.advance(2000);
    const b = shared.consumer({ groupId: 'same', topics: ['orders'], sessionTimeoutMs: 30_000, heartbeatIntervalMs: 1000 });
    b.rebalances$.subscribe((e) => events.push(`b ${e.type} ${e.partitions.length}@${time.now()}`));
    b.records$.subscribe();
    await time.advance(5000);
    // b assigned one partition within a heartbeat or two, not after a's session timed out
    const bAssigned = events.find((e) => e.startsWith('b assigned 1@'));
    expect(bAssigned, events.join('\n')).toBeDefined();
    expect(Number(bAssigned!.split('@')[1])).toBeLessThan(5000);
    expect(events.filter((e) => e.startsWith('a lost'))).toEqual([]);
    await time.run(() => shared.close());
    await cluster.stop();
  });
});

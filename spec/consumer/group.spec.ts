import { firstValueFrom, merge, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConsumerRecord, RebalanceEvent } from '../../src/index.js';
import { groupCluster } from './support.js';

describe('consumer groups (MockCluster, virtual time)', () => {
  it('three members read every record once between them, and after close the committed offsets are the log ends', async () => {
    const { time, cluster, client } = await groupCluster(6);
    const producerClient = client();
    const producer = producerClient.producer({});
    const total = 600;
    await time.run(() => producer.send(Array.from({ length: total }, (_, i) => ({ topic: 'orders', key: `k${i}`, value: `v${i}` }))));
    const clients = [client(), client(), client()];
    const consumers = clients.map((c) => c.consumer({ groupId: 'g', topics: ['orders'], autoOffsetReset: 'earliest' }));
    const events: RebalanceEvent[] = [];
    for (const c of consumers) c.rebalances$.subscribe((e) => events.push(e));
    const read = await time.run(() => firstValueFrom(merge(...consumers.map((c) => c.records$)).pipe(take(total), toArray())));
    // one generation, the six partitions split among the three members, two each
    const assigned = events.filter((e) => e.type === 'assigned' && e.partitions.length > 0);
    expect(new Set(assigned.map((e) => e.memberId)).size).toBe(3);
    expect(assigned.map((e) => e.partitions.length)).toEqual([2, 2, 2]);
    expect(assigned.flatMap((e) => e.partitions.map((p) => p.partition)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const ids = read.map((r: ConsumerRecord) => r.value?.toString());
    expect(new Set(ids).size).toBe(total);
    // every partition is owned by one member at a time
    const owners = new Map<string, number>();
    for (const r of read) {
      const key = `${r.topic}[${r.partition}]`;
      owners.set(key, (owners.get(key) ?? 0) + 1);
    }
    expect([...owners.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5].map((p) => `orders[${p}]`));
    await time.run(() => Promise.all(consumers.map((c) => c.close())));
    for (let p = 0; p < 6; p++) {
      const end = cluster.partitionInfo('orders', p)?.logEndOffset;
      expect(cluster.state.offsets.fetch('g', 'orders', p)?.offset, `partition ${p}`).toBe(end);
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

import { describe, expect, it } from 'vitest';
import { OffsetCommit, type OffsetCommitRequest } from '../../src/protocol/messages/index.js';
import type { Consumer } from '../../src/index.js';
import { freezable, groupCluster } from './support.js';

const TOTAL = 100_000;
const CHUNK = 1000;

describe('churn (MockCluster, virtual time)', () => {
  it('while 100,000 records are produced, members join, leave and one is killed: nothing is lost, and only records the killed member had and had not committed come twice', async () => {
    const { time, cluster, client, done } = await groupCluster(6);
    const options = { groupId: 'churn', topics: ['orders'], autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, autoCommitIntervalMs: 1000 } as const;
    const deliveries: Array<{ member: string; partition: number; offset: bigint; value: string }> = [];
    const consumers = new Map<string, Consumer>();
    const frozen = freezable(cluster.transport);
    const join = (member: string, transport = cluster.transport) => {
      const c = client({ transport }).consumer(options);
      c.records$.subscribe((r) => deliveries.push({ member, partition: r.partition, offset: r.offset, value: r.value?.toString() ?? '' }));
      consumers.set(member, c);
    };
    // what each member committed last, per partition, as the coordinator saw it
    const memberIds = new Map<string, string>();
    const lastCommit = new Map<string, bigint>();
    cluster.requests$.subscribe((r) => {
      if (r.apiKey !== OffsetCommit.apiKey) return;
      const body = r.body as OffsetCommitRequest;
      for (const t of body.topics) for (const p of t.partitions) lastCommit.set(`${body.memberId}/${p.partitionIndex}`, p.committedOffset);
    });
    const producer = client().producer({});
    const sends: Array<Promise<unknown>> = [];
    for (let c = 0; c < TOTAL / CHUNK; c++) {
      time.scheduler.schedule(() => {
        sends.push(producer.send(Array.from({ length: CHUNK }, (_, i) => ({ topic: 'orders', key: `k${c * CHUNK + i}`, value: String(c * CHUNK + i) }))));
      }, c * 100);
    }
    join('a', frozen.transport);
    join('b');
    await time.advance(2000);
    join('c');
    await time.advance(2000);
    await time.run(() => (consumers.get('b') as Consumer).close()); // leaves cleanly
    await time.advance(2500); // between two auto-commits of a: what it had since the last one is not committed
    consumers.get('a')?.stats$.subscribe((s) => memberIds.set('a', s.memberId)).unsubscribe();
    frozen.freeze(); // killed: no LeaveGroup, its session expires
    await time.advance(1000);
    join('d');
    await time.run(() => Promise.all(sends));
    const seen = new Set<string>();
    for (let i = 0; i < 120 && seen.size < TOTAL; i++) {
      await time.advance(1000);
      for (const d of deliveries) seen.add(d.value);
    }
    expect(seen.size).toBe(TOTAL); // nothing lost

    // duplicates: a record delivered twice was first delivered to the killed member, past its last commit
    const first = new Map<string, { member: string; partition: number; offset: bigint }>();
    let duplicates = 0;
    let unexplained = 0;
    const aId = memberIds.get('a') ?? '';
    for (const d of deliveries) {
      const key = `${d.partition}/${d.offset}`;
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, d);
        continue;
      }
      duplicates++;
      const committed = lastCommit.get(`${aId}/${d.partition}`) ?? -1n;
      if (earlier.member !== 'a' || earlier.offset < committed) unexplained++;
    }
    const handedToAAfterCommit = deliveries.filter((d) => d.member === 'a' && d.offset >= (lastCommit.get(`${aId}/${d.partition}`) ?? -1n)).length;
    expect(deliveries.some((d) => d.member === 'a')).toBe(true);
    expect(unexplained).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(handedToAAfterCommit);
    if (process.env.RXKAFKA_CHURN_REPORT) console.log(JSON.stringify({ deliveries: deliveries.length, duplicates, handedToAAfterCommit }));
    await done();
  }, 120_000);
});

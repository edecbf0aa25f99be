import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, OffsetOutOfRangeError, type ConsumerRecord } from '../../src/index.js';
import { DeleteRecords, Fetch, type FetchRequest } from '../../src/protocol/messages/index.js';
import { groupCluster } from './support.js';

const values = (records: readonly ConsumerRecord[]) => records.map((r) => r.value?.toString());
const failureOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe('where a consumer starts, and seek (MockCluster, virtual time)', () => {
  it("autoOffsetReset: 'earliest' reads what is there, 'latest' only what comes after", async () => {
    const { time, client, produce, done } = await groupCluster(1);
    await produce(3);
    const earliest = client().consumer({ groupId: 'e', topics: ['orders'], autoOffsetReset: 'earliest' });
    const latest = client().consumer({ groupId: 'l', topics: ['orders'] });
    const fromEarliest = firstValueFrom(earliest.records$.pipe(take(5), toArray()));
    const fromLatest = firstValueFrom(latest.records$.pipe(take(2), toArray()));
    await time.advance(10_000); // both assigned, positions known
    await produce(2, 3);
    expect(values(await time.run(() => fromEarliest))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(values(await time.run(() => fromLatest))).toEqual(['v3', 'v4']);
    await done();
  });

  it("autoOffsetReset: 'none' without a committed offset errors the streams with OffsetOutOfRangeError", async () => {
    const { time, client, produce, done } = await groupCluster(1);
    await produce(1);
    const consumer = client().consumer({ groupId: 'n', topics: ['orders'], autoOffsetReset: 'none' });
    const error = await time.run(() => failureOf(firstValueFrom(consumer.records$)));
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ topic: 'orders', partition: 0, offset: null });
    await done();
  });

  it('starts from the committed offset, and seek() reads again from where it is told', async () => {
    const { time, client, produce, done } = await groupCluster(1);
    await produce(6);
    const first = client().consumer({ groupId: 'c', topics: ['orders'], autoOffsetReset: 'earliest' });
    await time.run(() => firstValueFrom(first.records$.pipe(take(3), toArray())));
    await time.run(() => first.close()); // commits what was acked: 3 records (and maybe more fetched, not handed)
    const second = client().consumer({ groupId: 'c', topics: ['orders'], autoOffsetReset: 'earliest' });
    const seen: string[] = [];
    second.records$.subscribe((r) => seen.push(r.value?.toString() ?? ''));
    await time.advance(10_000);
    expect(seen).toEqual(['v3', 'v4', 'v5']);
    second.seek({ topic: 'orders', partition: 0, offset: 1n });
    await time.advance(1000);
    expect(seen).toEqual(['v3', 'v4', 'v5', 'v1', 'v2', 'v3', 'v4', 'v5']);
    await done();
  });

  it('a committed offset deleted from the log (DeleteRecords) is out of range: earliest resets to the new log start, none errors', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(1);
    await produce(10);
    const first = client().consumer({ groupId: 'd', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual' });
    const read = await time.run(() => firstValueFrom(first.records$.pipe(take(2), toArray())));
    for (const r of read) r.ack();
    await time.run(() => first.close()); // committed: 2
    const leader = cluster.partitionInfo('orders', 0)!.leader;
    const admin = client();
    await time.run(() => firstValueFrom(admin.request({ nodeId: leader }, DeleteRecords, { topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 6n }] }], timeoutMs: 1000 })));
    const none = client().consumer({ groupId: 'd', topics: ['orders'], autoOffsetReset: 'none' });
    const error = await time.run(() => failureOf(firstValueFrom(none.records$)));
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ offset: 2n });
    await time.run(() => none.close());
    const earliest = client().consumer({ groupId: 'd', topics: ['orders'], autoOffsetReset: 'earliest' });
    expect(values(await time.run(() => firstValueFrom(earliest.records$.pipe(take(4), toArray()))))).toEqual(['v6', 'v7', 'v8', 'v9']);
    await done();
  });
});

describe('read_committed (MockCluster, virtual time)', () => {
  it('never delivers records of aborted transactions; delivers committed ones; read_uncommitted sees both', async () => {
    const { time, client, done } = await groupCluster(1);
    const tx = client().producer({ transactionalId: 'tx' });
    await time.run(() => tx.transaction(async (t) => {
      await t.send([{ topic: 'orders', value: 'c1' }, { topic: 'orders', value: 'c2' }]);
    }));
    await time.run(() => tx.transaction(async (t) => {
      await t.send({ topic: 'orders', value: 'aborted' });
      throw new Error('abort it');
    }).catch(() => undefined));
    await time.run(() => tx.transaction(async (t) => {
      await t.send({ topic: 'orders', value: 'c3' });
    }));
    const committed = client().consumer({ assign: [{ topic: 'orders', partition: 0, offset: 0n }] });
    const uncommitted = client().consumer({ assign: [{ topic: 'orders', partition: 0, offset: 0n }], isolationLevel: 'read_uncommitted' });
    expect(values(await time.run(() => firstValueFrom(committed.records$.pipe(take(3), toArray()))))).toEqual(['c1', 'c2', 'c3']);
    expect(values(await time.run(() => firstValueFrom(uncommitted.records$.pipe(take(4), toArray()))))).toEqual(['c1', 'c2', 'aborted', 'c3']);
    await done();
  });
});

describe('a corrupted batch (MockCluster, virtual time)', () => {
  it('errors the consumer with CorruptRecordError naming topic, partition and offset; nothing past it is committed', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    const producer = client().producer({});
    await time.run(() => producer.send([{ topic: 'orders', value: 'a' }, { topic: 'orders', value: 'b' }]));
    await time.run(() => producer.send([{ topic: 'orders', value: 'c' }, { topic: 'orders', value: 'd' }]));
    cluster.corruptRecordBatch('orders', 0, 2n);
    const consumer = client().consumer({ groupId: 'x', topics: ['orders'], autoOffsetReset: 'earliest', maxPartitionFetchBytes: 100 });
    const seen: string[] = [];
    const error = await time.run(() => new Promise<unknown>((resolve) => consumer.records$.subscribe({ next: (r) => seen.push(r.value?.toString() ?? ''), error: resolve })));
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ topic: 'orders', partition: 0, offset: 2n });
    await time.run(() => consumer.close());
    const c = committed('x', 0);
    expect(c === null || c <= 2n).toBe(true);
    expect(seen.every((v) => v === 'a' || v === 'b')).toBe(true);
    void produce;
    await done();
  });
});

describe('backpressure (MockCluster, virtual time)', () => {
  it('a manual-ack subscriber that acks slowly keeps buffered bytes within maxBufferedBytes, and paused partitions are left out of Fetch', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(2);
    // in sends of 20, so that every batch is smaller than maxPartitionFetchBytes (a broker
    // returns a larger first batch whole, past any limit)
    for (let i = 0; i < 2000; i += 20) await produce(20, i);
    const max = 8 * 1024;
    const consumer = client().consumer({ groupId: 'bp', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', maxBufferedBytes: max, maxPartitionFetchBytes: 2048 });
    let peak = 0;
    consumer.stats$.subscribe((s) => (peak = Math.max(peak, s.bufferedBytes)));
    const fetched: string[][] = [];
    cluster.requests$.subscribe((r) => {
      if (r.apiKey === Fetch.apiKey) fetched.push((r.body as FetchRequest).topics.flatMap((t) => t.partitions.map((p) => `${p.partition}`)));
    });
    const held: ConsumerRecord[] = [];
    consumer.records$.subscribe((r) => held.push(r));
    await time.advance(10_000);
    const stalled = held.length;
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(2000);
    const fetchesWhileFull = fetched.length;
    await time.advance(10_000);
    // nothing acked: no Fetch names a partition now (both hold unacked bytes past their share)
    expect(fetched.slice(fetchesWhileFull).flat()).toEqual([]);
    // ack slowly: 100 records per second, until all are read
    for (let i = 0; held.length < 2000 && i < 200; i++) {
      for (const r of held.splice(0, 100)) r.ack();
      held.length = 0;
      await time.advance(1000);
    }
    // past the bound by less than one partition's fetch at most (a broker returns whole batches)
    expect(peak).toBeLessThanOrEqual(max + 2048);
    expect(peak).toBeGreaterThan(max / 2);
    await done();
  }, 60_000);
});

import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, OffsetOutOfRangeError, type ConsumerRecord, type ConsumerStats } from '../../src/index.js';
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
  it('a manual-ack subscriber that acks slowly keeps buffered bytes within maxBufferedBytes, paused partitions are left out of Fetch, and every record is read once acks free room', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(2);
    const total = 2000;
    // in sends of 20 (a batch of about 10 records per partition), so that the broker's one
    // exception to the bound (a batch larger than the room left is returned whole) stays small
    for (let i = 0; i < total; i += 20) await produce(20, i);
    const batchSizes = [0, 1].flatMap((p) => cluster.state.partition('orders', p)!.log.batches.map((b) => b.bytes.length));
    const largestBatch = Math.max(...batchSizes);
    const max = 8 * 1024;
    const share = max / 2; // two partitions
    const consumer = client().consumer({ groupId: 'bp', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', maxBufferedBytes: max, maxPartitionFetchBytes: 2048 });
    // stats$ gives the consumer's state at once to a new subscriber
    const statsNow = (): ConsumerStats => {
      let now: ConsumerStats | undefined;
      consumer.stats$.pipe(take(1)).subscribe((s) => (now = s));
      return now as ConsumerStats;
    };
    let peak = 0;
    consumer.stats$.subscribe((s) => (peak = Math.max(peak, s.bufferedBytes)));
    // every Fetch as the broker decoded it, with the consumer's state when it came in
    const fetches: Array<{ request: FetchRequest; stats: ConsumerStats; partitions: number[] }> = [];
    cluster.requests$.subscribe((r) => {
      if (r.apiKey !== Fetch.apiKey) return;
      const request = r.body as FetchRequest;
      fetches.push({ request, stats: statsNow(), partitions: request.topics.flatMap((t) => t.partitions.map((p) => p.partition)) });
    });
    const held: ConsumerRecord[] = [];
    const read = new Map<string, number>();
    consumer.records$.subscribe((r) => {
      held.push(r);
      const key = `${r.partition}@${r.offset}`;
      read.set(key, (read.get(key) ?? 0) + 1);
    });
    const ackOldest = (n: number, partition?: number) => {
      let acked = 0;
      for (let i = 0; i < held.length && acked < n; ) {
        if (partition === undefined || held[i].partition === partition) {
          held.splice(i, 1)[0].ack();
          acked++;
        } else i++;
      }
    };

    // 1. nothing acked: reading stops at the bound, and no Fetch goes out any more
    await time.advance(10_000);
    const stalled = statsNow();
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(total);
    expect(stalled.bufferedBytes).toBeGreaterThan(max - largestBatch);
    const fetchesWhileFull = fetches.length;
    await time.advance(10_000);
    expect(fetches.slice(fetchesWhileFull)).toEqual([]);

    // 2. only the other partition acked: the one holding the most (past its share) stays paused
    // and no Fetch names it, while the acked one is read on
    const slow = [...stalled.assignment].sort((a, b) => b.bufferedBytes - a.bufferedBytes)[0].partition;
    const fast = 1 - slow;
    expect(stalled.assignment.find((p) => p.partition === slow)!.bufferedBytes).toBeGreaterThan(share);
    const fetchesBeforeFast = fetches.length;
    const slowHeld = held.filter((r) => r.partition === slow).length;
    const fastRead = () => [...read.keys()].filter((k) => k.startsWith(`${fast}@`)).length;
    const fastReadBefore = fastRead();
    for (let i = 0; i < 10; i++) {
      ackOldest(50, fast);
      await time.advance(1000);
    }
    const fastPhase = fetches.slice(fetchesBeforeFast);
    expect(fastPhase.length).toBeGreaterThan(0);
    for (const f of fastPhase) expect(f.partitions).toEqual([fast]);
    expect(fastRead()).toBeGreaterThan(fastReadBefore);
    expect(held.filter((r) => r.partition === slow).length).toBe(slowHeld);

    // 3. everything acked slowly, oldest first (100 records a second): all of it is read, once
    for (let i = 0; read.size < total || held.length > 0; i++) {
      expect(i, `read ${read.size} of ${total}`).toBeLessThan(200);
      ackOldest(100);
      await time.advance(1000);
    }
    expect(read.size).toBe(total);
    expect([...read.values()].every((n) => n === 1)).toBe(true);
    expect(statsNow().bufferedBytes).toBe(0);

    for (const f of fetches) {
      const { request, stats } = f;
      // never at or past the bound: no Fetch goes out without room
      expect(stats.bufferedBytes).toBeLessThan(max);
      // a Fetch never asks for more than the room left, in all or for one partition
      expect(request.maxBytes).toBeLessThanOrEqual(max - stats.bufferedBytes);
      for (const t of request.topics) for (const p of t.partitions) expect(p.partitionMaxBytes).toBeLessThanOrEqual(request.maxBytes);
      // past half the bound, a partition holding more than its share is not named
      if (stats.bufferedBytes > share) {
        for (const p of f.partitions) expect(stats.assignment.find((a) => a.partition === p)!.bufferedBytes).toBeLessThanOrEqual(share);
      }
    }
    // within the bound but for the documented exception: a broker returns a batch larger than
    // the room left whole, so each Fetch can take it past by less than one batch (and here one
    // Fetch at a time takes all the room there is)
    expect(peak).toBeLessThan(max + largestBatch);
    expect(peak).toBeGreaterThan(max - largestBatch);
    await done();
  }, 60_000);
});

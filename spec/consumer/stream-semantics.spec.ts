import { concat, filter, firstValueFrom, ignoreElements, map, merge, mergeMap, of, take, toArray, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ConsumerBatch, type KafkaClient, type ConsumerRecord, type PartitionStream, type ProducerRecord, type RebalanceEvent } from '../../src/index.js';
import type { CompressionName } from '../../src/protocol/compression/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  Fetch,
  JoinGroup,
  LeaveGroup,
  Metadata,
  OffsetCommit,
  type FetchRequest,
  type JoinGroupRequest,
  type OffsetCommitRequest,
} from '../../src/protocol/messages/index.js';
import type { MockCluster, ReceivedRequest, VirtualTime } from '../../src/testing/index.js';
import { gzipWrapper, legacyMessage } from '../protocol/records/legacy-builders.js';
import { memoryCluster } from '../support/memory-cluster.js';
import { freezable, groupCluster } from './support.js';

/** Every request the cluster reads from now on, with the virtual time it was read at. */
function requestLog(cluster: MockCluster, now: () => number) {
  const seen: Array<ReceivedRequest & { at: number }> = [];
  const subscription = cluster.requests$.subscribe((r) => seen.push({ ...r, at: now() }));
  const ofApi = (api: { apiKey: number }) => seen.filter((r) => r.apiKey === api.apiKey);
  return { seen, of: ofApi, stop: () => subscription.unsubscribe() };
}

/** The partitions a Fetch names (one topic in these tests). */
const fetchedPartitions = (r: ReceivedRequest) => (r.body as FetchRequest).topics.flatMap((t) => t.partitions.map((p) => p.partition)).sort((a, b) => a - b);

/** The offsets an OffsetCommit carries, as "partition:offset". */
const commitsIn = (r: ReceivedRequest) => (r.body as OffsetCommitRequest).topics.flatMap((t) => t.partitions.map((p) => `${p.partitionIndex}:${p.committedOffset}`));

/** Sends `records` compressed, on the test's client and virtual clock. */
async function sendCompressed(time: VirtualTime, client: KafkaClient, compression: CompressionName, records: ProducerRecord[]): Promise<void> {
  const producer = client.producer({ compression, lingerMs: 0 });
  await time.run(() => producer.send(records));
  await time.run(() => producer.close());
}

const ids = (records: readonly ConsumerRecord[]) => records.map((r) => `${r.partition}:${r.offset}`);

describe('hot and shared: one membership, one fetcher, for every subscriber', () => {
  it('two records$ subscribers, one of batches$ and one of partitions$ share one JoinGroup per generation and one Fetch loop, and each is handed every record', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(3);
    await produce(30);
    const log = requestLog(cluster, () => time.now());
    const consumer = client().consumer({ groupId: 'hot', topics: ['orders'], autoOffsetReset: 'earliest', fetchMaxWaitMs: 500, autoCommitIntervalMs: 1000 });
    const a: ConsumerRecord[] = [];
    const b: ConsumerRecord[] = [];
    const batched: ConsumerRecord[] = [];
    const perPartition: ConsumerRecord[] = [];
    const subs: Subscription[] = [
      consumer.records$.subscribe((r) => a.push(r)),
      consumer.records$.subscribe((r) => b.push(r)),
      consumer.batches$.subscribe((x: ConsumerBatch) => batched.push(...x.records)),
      consumer.partitions$.pipe(mergeMap((p: PartitionStream) => p.records$)).subscribe((r) => perPartition.push(r)),
    ];
    await time.advance(10_000);
    expect(a).toHaveLength(30);
    // the same record objects, in the same order, to both records$ subscribers
    expect(b).toEqual(a);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(a[i]);
    const sorted = (rs: ConsumerRecord[]) => ids(rs).sort();
    expect(sorted(batched)).toEqual(sorted(a));
    expect(sorted(perPartition)).toEqual(sorted(a));
    expect(new Set(ids(a)).size).toBe(30);

    // one member: one join with its id for the one generation (after the MEMBER_ID_REQUIRED round)
    const joins = log.of(JoinGroup).map((r) => (r.body as JoinGroupRequest).memberId);
    expect(joins.filter((id) => id !== '')).toHaveLength(1);
    expect(joins.filter((id) => id === '').length).toBeLessThanOrEqual(1);

    // one Fetch at a time per broker, whatever the number of subscribers: over 10 s of idle long
    // polls of 500 ms, about 20 per broker that leads a partition, not 4 times that
    const from = time.now();
    await time.advance(10_000);
    const fetches = log.of(Fetch).filter((r) => r.at > from);
    const perBroker = new Map<number, number>();
    for (const f of fetches) perBroker.set(f.broker, (perBroker.get(f.broker) ?? 0) + 1);
    expect(perBroker.size).toBe(3);
    for (const [broker, n] of perBroker) expect(n, `broker ${broker}`).toBeLessThanOrEqual(21);

    // everyone goes: that is no LeaveGroup, and records produced now are handed to nobody
    for (const s of subs) s.unsubscribe();
    await produce(9, 30);
    await time.advance(10_000);
    expect(log.of(LeaveGroup)).toHaveLength(0);
    await time.run(() => consumer.commit());
    let committed = 0n;
    for (let p = 0; p < 3; p++) committed += cluster.state.offsets.fetch('hot', 'orders', p)?.offset ?? 0n;
    expect(committed).toBe(30n); // the 9 nobody was handed are not committed

    // a new subscriber gets what waited; the member stayed in its generation meanwhile
    const late = await time.run(() => firstValueFrom(consumer.records$.pipe(take(9), toArray())));
    expect(late.map((r) => r.value?.toString()).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `v${30 + i}`).sort());
    expect(log.of(JoinGroup).filter((r) => (r.body as JoinGroupRequest).memberId !== '')).toHaveLength(1);
    expect(log.of(LeaveGroup)).toHaveLength(0);
    await time.run(() => consumer.close());
    expect(log.of(LeaveGroup)).toHaveLength(1);
    log.stop();
    await done();
  }, 60_000);

  it('a subscriber leaving mid-batch: only the records it was handed are committed, and the rest go to the next subscriber', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(1);
    await produce(10); // one batch
    const consumer = client().consumer({ groupId: 'mid', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 0 });
    const first = await time.run(() => firstValueFrom(consumer.records$.pipe(take(3), toArray())));
    expect(first.map((r) => r.offset)).toEqual([0n, 1n, 2n]);
    await time.advance(5000);
    await time.run(() => consumer.commit());
    expect(cluster.state.offsets.fetch('mid', 'orders', 0)?.offset).toBe(3n);
    const rest = await time.run(() => firstValueFrom(consumer.records$.pipe(take(7), toArray())));
    expect(rest.map((r) => r.offset)).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    await time.run(() => consumer.close());
    expect(cluster.state.offsets.fetch('mid', 'orders', 0)?.offset).toBe(10n);
    await done();
  }, 60_000);
});

describe('assigned comes before the first record of a newly assigned partition', () => {
  it('in one merged stream of rebalances$ and records$, at the first assignment and at a cooperative move to a new member', async () => {
    const { time, client, produce, done } = await groupCluster(4);
    await produce(40);
    type Seen = { kind: 'assigned' | 'revoked' | 'lost'; partitions: number[] } | { kind: 'record'; partition: number };
    const watch = (name: string) => {
      const c = client().consumer({ groupId: 'order', topics: ['orders'], assignors: ['cooperative-sticky'], autoOffsetReset: 'earliest' });
      const seen: Seen[] = [];
      merge(
        c.rebalances$.pipe(map((e: RebalanceEvent): Seen => ({ kind: e.type, partitions: e.partitions.map((p) => p.partition) }))),
        c.records$.pipe(map((r): Seen => ({ kind: 'record', partition: r.partition }))),
      ).subscribe((s) => seen.push(s));
      return { name, c, seen };
    };
    /** Checks that every record comes while its partition is assigned (after its `assigned`, before its revoke or loss). */
    const check = (w: { name: string; seen: Seen[] }) => {
      const owned = new Set<number>();
      let records = 0;
      for (const s of w.seen) {
        if (s.kind === 'record') {
          expect(owned.has(s.partition), `${w.name}: a record of ${s.partition} before its 'assigned'`).toBe(true);
          records++;
        } else if (s.kind === 'assigned') for (const p of s.partitions) owned.add(p);
        else for (const p of s.partitions) owned.delete(p);
      }
      return records;
    };
    const a = watch('a');
    await time.advance(10_000);
    expect(check(a)).toBe(40);
    const b = watch('b');
    await produce(40, 40);
    await time.advance(30_000);
    // b was given partitions by the cooperative rebalance, and read what came to them after
    const bAssigned = b.seen.filter((s) => s.kind === 'assigned').flatMap((s) => ('partitions' in s ? s.partitions : []));
    expect(bAssigned.length).toBeGreaterThan(0);
    expect(check(a) + check(b)).toBeGreaterThanOrEqual(80);
    await done();
  }, 60_000);

  it('a partitions$ subscriber gets a partition stream only after its assigned event', async () => {
    const { time, client, produce, done } = await groupCluster(2);
    await produce(4);
    const c = client().consumer({ groupId: 'ps', topics: ['orders'], autoOffsetReset: 'earliest' });
    const order: string[] = [];
    c.rebalances$.subscribe((e) => order.push(`${e.type} ${e.partitions.map((p) => p.partition).sort().join(',')}`));
    c.partitions$.pipe(mergeMap((p) => {
      order.push(`stream ${p.partition}`);
      return p.records$;
    })).subscribe((r) => order.push(`record ${r.partition}`));
    await time.advance(5000);
    expect(order[0]).toBe('assigned 0,1');
    expect(order.slice(1, 3).sort()).toEqual(['stream 0', 'stream 1']);
    expect(order.slice(3)).toHaveLength(4);
    expect(order.slice(3).every((x) => x.startsWith('record '))).toBe(true);
    await done();
  }, 60_000);
});

describe('lost partitions', () => {
  it('a session the coordinator forgot: lost, their streams complete, and acks of their records are never committed', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await produce(20);
    const log = requestLog(cluster, () => time.now());
    const c = client().consumer({ groupId: 'lost', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 1000, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000 });
    const events: Array<{ at: number; e: RebalanceEvent }> = [];
    c.rebalances$.subscribe((e) => events.push({ at: time.now(), e }));
    const completed: number[] = [];
    c.partitions$.pipe(mergeMap((p) => concat(p.records$.pipe(ignoreElements()), of(p.partition)))).subscribe((p) => completed.push(p));
    const held = await time.run(() => firstValueFrom(c.records$.pipe(take(20), toArray())));
    // two acked on each partition, committed at the next interval
    for (const p of [0, 1]) for (const r of held.filter((x) => x.partition === p).slice(0, 2)) r.ack();
    await time.advance(2000);
    expect([committed('lost', 0), committed('lost', 1)]).toEqual([2n, 2n]);
    // the coordinator has forgotten the member: its next heartbeat says so
    cluster.injectErrors('Heartbeat', [ErrorCode.UNKNOWN_MEMBER_ID]);
    await time.run(() => firstValueFrom(c.rebalances$.pipe(filter((e) => e.type === 'lost'))));
    const lostAt = time.now();
    const lost = events.find((x) => x.e.type === 'lost');
    expect(lost?.e.partitions.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(events.some((x) => x.e.type === 'revoked')).toBe(false);
    expect(completed.sort()).toEqual([0, 1]);
    // acks of the lost generation's records, now and after the partitions come back, are dropped
    for (const r of held.slice(0, 10)) r.ack();
    await time.run(() => firstValueFrom(c.rebalances$.pipe(filter((e) => e.type === 'assigned' && e.partitions.length > 0))));
    for (const r of held) r.ack();
    await time.advance(5000);
    await time.run(() => c.commit().catch(() => undefined));
    const after = log.of(OffsetCommit).filter((r) => r.at >= lostAt).flatMap(commitsIn);
    expect(after).toEqual([]);
    expect([committed('lost', 0), committed('lost', 1)]).toEqual([2n, 2n]);
    log.stop();
    await done();
  }, 60_000);

  /**
   * A member that hangs (its transport frozen) past its session, with records acked while it
   * hangs, then comes back and joins a new generation. What the cluster saw of its commits.
   */
  const hungMember = async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await produce(20);
    const log = requestLog(cluster, () => time.now());
    const hang = freezable(cluster.transport);
    const c = client({ transport: hang.transport }).consumer({ groupId: 'hung', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 1000, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000 });
    const events: Array<{ at: number; e: RebalanceEvent }> = [];
    c.rebalances$.subscribe((e) => events.push({ at: time.now(), e }));
    const completed: number[] = [];
    c.partitions$.pipe(mergeMap((p) => concat(p.records$.pipe(ignoreElements()), of(p.partition)))).subscribe((p) => completed.push(p));
    const held = await time.run(() => firstValueFrom(c.records$.pipe(take(20), toArray())));
    const generation = events.find((x) => x.e.type === 'assigned')!.e.generationId;
    for (const p of [0, 1]) for (const r of held.filter((x) => x.partition === p).slice(0, 2)) r.ack();
    await time.advance(2000);
    const before = [committed('hung', 0), committed('hung', 1)];
    hang.freeze();
    // acked while it hangs, before it knows its session is gone: the auto-commit of them never arrives
    for (const r of held) r.ack();
    await time.run(() => firstValueFrom(c.rebalances$.pipe(filter((e) => e.type === 'lost'))));
    const lostAt = time.now();
    const completedAtLoss = [...completed].sort();
    await time.advance(5000);
    hang.thaw();
    const back = await time.run(() => firstValueFrom(c.rebalances$.pipe(filter((e) => e.type === 'assigned' && e.partitions.length > 0))));
    const untilBack = [...events];
    await time.advance(10_000);
    const commitsAfterLoss = log.of(OffsetCommit)
      .filter((r) => r.at >= lostAt)
      .map((r) => ({ generation: (r.body as OffsetCommitRequest).generationIdOrMemberEpoch, offsets: commitsIn(r) }));
    const after = [committed('hung', 0), committed('hung', 1)];
    log.stop();
    await done();
    return { events: untilBack, generation, back, before, after, completedAtLoss, commitsAfterLoss };
  };

  it('a session that expires while the member hangs: lost (not revoked), streams complete, and nothing of that generation is committed', async () => {
    const { events, generation, back, before, after, completedAtLoss, commitsAfterLoss } = await hungMember();
    expect(before).toEqual([2n, 2n]);
    expect(events.find((x) => x.e.type === 'lost')?.e.partitions.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(events.some((x) => x.e.type === 'revoked')).toBe(false);
    expect(completedAtLoss).toEqual([0, 1]);
    expect(back.generationId).toBeGreaterThan(generation);
    // the new generation commits none of the acks of the lost one
    expect(commitsAfterLoss.filter((c) => c.generation !== generation).flatMap((c) => c.offsets)).toEqual([]);
    expect(after).toEqual([2n, 2n]);
  }, 60_000);

  // An OffsetCommit sent while the member hung, before the loss, would be retried by the request
  // layer after it, with the lost partitions' offsets and the old generation: the loss abandons it.
  it('no OffsetCommit of a lost generation reaches the coordinator after the loss', async () => {
    const { generation, commitsAfterLoss } = await hungMember();
    expect(commitsAfterLoss.filter((c) => c.generation === generation).flatMap((c) => c.offsets)).toEqual([]);
  }, 60_000);
});

describe('records are views into the fetched bytes', () => {
  it.each(['none', 'lz4'] as const)('records of one fetched batch (%s) have their key and value in one ArrayBuffer, at their own offsets', async (compression) => {
    const { time, client, done } = await memoryCluster(['t']);
    // values above Buffer's pool size (4 KiB): copies would each have an ArrayBuffer of their own
    const big = (i: number) => Buffer.alloc(5000, 65 + i);
    await sendCompressed(time, client, compression, Array.from({ length: 8 }, (_, i) => ({ topic: 't', partition: 0, key: `key-${i}`, value: big(i) })));
    const consumer = client.consumer({ assign: [{ topic: 't', partition: 0, offset: 0n }] });
    const batch = await time.run(() => firstValueFrom(consumer.batches$));
    expect(batch.records).toHaveLength(8);
    const buffer = batch.records[0].value?.buffer;
    let last = -1;
    for (const [i, r] of batch.records.entries()) {
      const value = r.value as Buffer;
      const key = r.key as Buffer;
      expect(value.buffer).toBe(buffer);
      expect(key.buffer).toBe(buffer);
      expect(value.equals(big(i))).toBe(true);
      expect(key.toString()).toBe(`key-${i}`);
      // where the view says it is, in the shared bytes
      expect(Buffer.from(value.buffer, value.byteOffset, value.length).equals(big(i))).toBe(true);
      expect(key.byteOffset).toBeGreaterThan(last);
      expect(value.byteOffset).toBeGreaterThan(key.byteOffset);
      last = value.byteOffset;
    }
    await time.run(() => consumer.close());
    await done();
  });
});

describe('every codec at the consumer', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly CompressionName[])('%s: keys, values and headers read back as produced', async (compression) => {
    const { time, client, done } = await memoryCluster(['t']);
    const sent = Array.from({ length: 50 }, (_, i) => ({
      topic: 't',
      partition: i % 3,
      key: i % 7 === 0 ? null : `k${i}`,
      value: i % 11 === 0 ? null : `value ${i} `.repeat(1 + (i % 5)),
      headers: [['n', String(i)], ['empty', null]] as Array<[string, string | null]>,
    }));
    await sendCompressed(time, client, compression, sent);
    const consumer = client.consumer({ assign: [0, 1, 2].map((partition) => ({ topic: 't', partition, offset: 0n })) });
    const read = await time.run(() => firstValueFrom(consumer.records$.pipe(take(50), toArray())));
    for (const p of [0, 1, 2]) {
      const mine = read.filter((r) => r.partition === p);
      const want = sent.filter((s) => s.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(want.map((_, i) => BigInt(i)));
      expect(mine.map((r) => r.key?.toString() ?? null)).toEqual(want.map((s) => s.key));
      expect(mine.map((r) => r.value?.toString() ?? null)).toEqual(want.map((s) => s.value));
      expect(mine.map((r) => r.headers.map((h) => [h.key, h.value?.toString() ?? null]))).toEqual(want.map((s) => s.headers));
    }
    await time.run(() => consumer.close());
    await done();
  });
});

describe('legacy message sets at the consumer', () => {
  it('magic 0 and 1 messages, plain and in gzip wrappers, served from the log, are read with their keys, values and timestamps, then v2 batches after them', async () => {
    const { time, cluster, client, done } = await memoryCluster(['t']);
    const b = (s: string | null) => (s === null ? null : Buffer.from(s));
    cluster.appendLegacyMessageSet('t', 0, Buffer.concat([
      // magic 0: no timestamps
      legacyMessage({ offset: 0n, magic: 0, key: b('k0'), value: b('v0') }),
      legacyMessage({ offset: 1n, magic: 0, key: null, value: b('v1') }),
      legacyMessage({ offset: 2n, magic: 0, key: b('k2'), value: null }),
      // magic 1: create times
      legacyMessage({ offset: 3n, magic: 1, timestamp: 1_000_003, key: b('k3'), value: b('v3') }),
      legacyMessage({ offset: 4n, magic: 1, timestamp: 1_000_004, key: b('k4'), value: b('v4') }),
      // magic 1 gzip wrapper: inner offsets relative, the wrapper's the absolute offset of the last
      gzipWrapper(1, 7n, [5, 6, 7].map((i) => ({ offset: BigInt(i - 5), magic: 1 as const, timestamp: 1_000_000 + i, key: b(`k${i}`), value: b(`v${i}`) })), 1_000_007),
    ]));
    // a second set: a magic 0 gzip wrapper, inner offsets absolute
    cluster.appendLegacyMessageSet('t', 0, gzipWrapper(0, 9n, [8, 9].map((i) => ({ offset: BigInt(i), magic: 0 as const, key: b(`k${i}`), value: b(`v${i}`) }))));
    expect(cluster.partitionInfo('t', 0)?.logEndOffset).toBe(10n);
    // and v2 batches after them, as a log upgraded in place has
    await time.run(() => client.producer({}).send([10, 11].map((i) => ({ topic: 't', partition: 0, key: `k${i}`, value: `v${i}` }))));
    const consumer = client.consumer({ groupId: 'old', assign: [{ topic: 't', partition: 0, offset: 0n }], autoCommitIntervalMs: 0 });
    const read = await time.run(() => firstValueFrom(consumer.records$.pipe(take(12), toArray())));
    expect(read.map((r) => r.offset)).toEqual(Array.from({ length: 12 }, (_, i) => BigInt(i)));
    expect(read.map((r) => r.key?.toString() ?? null)).toEqual(['k0', null, 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'k11']);
    expect(read.map((r) => r.value?.toString() ?? null)).toEqual(['v0', 'v1', null, 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11']);
    expect(read.slice(0, 10).map((r) => r.timestamp)).toEqual([-1, -1, -1, 1_000_003, 1_000_004, 1_000_005, 1_000_006, 1_000_007, -1, -1]);
    expect(read.slice(0, 10).every((r) => r.leaderEpoch === -1 && r.headers.length === 0)).toBe(true);
    await time.run(() => consumer.close());
    expect(cluster.state.offsets.fetch('old', 't', 0)?.offset).toBe(12n);
    // a consumer starting inside a wrapper gets the records from there on only
    const from6 = client.consumer({ assign: [{ topic: 't', partition: 0, offset: 6n }] });
    const tail = await time.run(() => firstValueFrom(from6.records$.pipe(take(6), toArray())));
    expect(tail.map((r) => r.value?.toString())).toEqual(['v6', 'v7', 'v8', 'v9', 'v10', 'v11']);
    await time.run(() => from6.close());
    await done();
  });

  it('appendLegacyMessageSet refuses a set that does not start at the log end', async () => {
    const { cluster, done } = await memoryCluster(['t']);
    expect(() => cluster.appendLegacyMessageSet('t', 0, legacyMessage({ offset: 5n, magic: 1, key: null, value: Buffer.from('x') }))).toThrow(/log end offset 0/);
    await done();
  });
});

/** A producer, a request log, and a consumer of partitions 0-2 of 't' from offset 0 with what it read. */
function readingAll(cluster: MockCluster, client: KafkaClient, now: () => number) {
  const producer = client.producer({ lingerMs: 0 });
  const log = requestLog(cluster, now);
  const consumer = client.consumer({ assign: [0, 1, 2].map((partition) => ({ topic: 't', partition, offset: 0n })), fetchMaxWaitMs: 200 });
  const read: ConsumerRecord[] = [];
  consumer.records$.subscribe((r) => read.push(r));
  return { producer, log, consumer, read };
}

describe('fetch errors re-route', () => {
  const values = (records: readonly ConsumerRecord[], p: number) => records.filter((r) => r.partition === p).map((r) => r.value?.toString());

  it.each([
    ['NOT_LEADER_OR_FOLLOWER', ErrorCode.NOT_LEADER_OR_FOLLOWER],
    ['FENCED_LEADER_EPOCH', ErrorCode.FENCED_LEADER_EPOCH],
    ['UNKNOWN_TOPIC_OR_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ] as const)('%s on Fetch refreshes metadata and goes on: every record once, in order', async (_name, code) => {
    const { time, cluster, client, done } = await memoryCluster(['t']);
    const { producer, log, consumer, read } = readingAll(cluster, client, () => time.now());
    const send = (round: number) => time.run(() => producer.send([0, 1, 2].flatMap((partition) => [0, 1].map((i) => ({ topic: 't', partition, value: `r${round}-${i}` })))));
    await send(0);
    await time.advance(1000);
    for (let round = 1; round <= 3; round++) {
      const before = log.of(Metadata).length;
      cluster.injectErrors('Fetch', [code, code]);
      await send(round);
      await time.advance(2000);
      expect(log.of(Metadata).length, `round ${round}: metadata refreshed`).toBeGreaterThan(before);
    }
    expect(read).toHaveLength(24);
    for (const p of [0, 1, 2]) {
      expect(values(read, p)).toEqual([0, 1, 2, 3].flatMap((round) => [`r${round}-0`, `r${round}-1`]));
      expect(read.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(i)));
    }
    log.stop();
    await time.run(() => consumer.close());
    await done();
  });

  it('a leader that moves during consumption: the consumer follows it to the new leader, every record once, in order', async () => {
    const { time, cluster, client, done } = await memoryCluster(['t']);
    const { producer, log, consumer, read } = readingAll(cluster, client, () => time.now());
    let n = 0;
    const send = () => time.run(() => producer.send([0, 1, 2].map((partition) => ({ topic: 't', partition, value: `v${n++}` }))));
    for (let i = 0; i < 3; i++) await send();
    await time.advance(1000);
    const oldLeader = cluster.partitionInfo('t', 0)!.leader;
    const newLeader = (oldLeader % 3) + 1;
    cluster.moveLeader('t', 0, newLeader);
    const movedAt = time.now();
    for (let i = 0; i < 3; i++) await send();
    await time.advance(3000);
    // partition 0 is fetched from its new leader, and the old one no longer
    const later = log.of(Fetch).filter((r) => r.at > movedAt + 1000 && fetchedPartitions(r).includes(0));
    expect(later.length).toBeGreaterThan(0);
    expect(new Set(later.map((r) => r.broker))).toEqual(new Set([newLeader]));
    expect(read).toHaveLength(18);
    for (const p of [0, 1, 2]) {
      const mine = read.filter((r) => r.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(Array.from({ length: 6 }, (_, i) => BigInt(i)));
      expect(new Set(mine.map((r) => r.value?.toString())).size).toBe(6);
    }
    log.stop();
    await time.run(() => consumer.close());
    await done();
  });
});

describe('one Fetch per broker', () => {
  it('6 partitions over 3 brokers: each Fetch names every partition its broker leads, and no Fetch goes per partition', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(6);
    await produce(60);
    const log = requestLog(cluster, () => time.now());
    const consumer = client().consumer({ groupId: 'f', topics: ['orders'], autoOffsetReset: 'earliest', fetchMaxWaitMs: 500 });
    const read = await time.run(() => firstValueFrom(consumer.records$.pipe(take(60), toArray())));
    expect(new Set(ids(read)).size).toBe(60);
    await time.advance(5000);
    const led = new Map<number, number[]>();
    for (let p = 0; p < 6; p++) {
      const leader = cluster.partitionInfo('orders', p)!.leader;
      led.set(leader, [...(led.get(leader) ?? []), p]);
    }
    expect([...led.values()].map((ps) => ps.length)).toEqual([2, 2, 2]);
    const fetches = log.of(Fetch);
    expect(fetches.length).toBeGreaterThan(3);
    for (const f of fetches) expect(fetchedPartitions(f), `Fetch to broker ${f.broker}`).toEqual(led.get(f.broker));
    log.stop();
    await time.run(() => consumer.close());
    await done();
  }, 60_000);
});

import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FencedInstanceIdError, KafkaError, NoGroupError, NotAssignedError, type ConsumerRecord, type RebalanceEvent } from '../../src/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Heartbeat, JoinGroup, OffsetCommit, type JoinGroupRequest, type OffsetCommitRequest } from '../../src/protocol/messages/index.js';
import type { MockCluster, VirtualTime } from '../../src/testing/index.js';
import { groupCluster } from './support.js';

/** One OffsetCommit a broker read: when, from whom, in which generation, what offsets. */
interface SeenCommit {
  at: number;
  broker: number;
  memberId: string;
  generationId: number;
  offsets: string[];
}

/** Every OffsetCommit the cluster reads, from now on. */
function watchCommits(cluster: MockCluster, time: VirtualTime): SeenCommit[] {
  const seen: SeenCommit[] = [];
  cluster.requests$.pipe(filter((r) => r.apiKey === OffsetCommit.apiKey)).subscribe((r) => {
    const body = r.body as OffsetCommitRequest;
    seen.push({
      at: time.now(),
      broker: r.broker,
      memberId: body.memberId,
      generationId: body.generationIdOrMemberEpoch,
      offsets: body.topics.flatMap((t) => t.partitions.map((p) => `${t.name}[${p.partitionIndex}]@${p.committedOffset}`)),
    });
  });
  return seen;
}

/** An error, or what a stream ended with: 'complete', 'open' while it runs. */
function ending(source: { subscribe(o: { error(e: unknown): void; complete(): void }): unknown }): { value: unknown } {
  const box: { value: unknown } = { value: 'open' };
  source.subscribe({ error: (e) => (box.value = e), complete: () => (box.value = 'complete') });
  return box;
}

describe('a failed auto-commit keeps its acks and is retried at the next interval', () => {
  it.each([
    ['UNKNOWN_TOPIC_OR_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['REQUEST_TIMED_OUT', ErrorCode.REQUEST_TIMED_OUT],
    ['GROUP_AUTHORIZATION_FAILED', ErrorCode.GROUP_AUTHORIZATION_FAILED],
  ])('OffsetCommit refused with %s: the next interval commits the same acked offsets, with no new ack', async (_name, code) => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    await produce(5);
    const consumer = client().consumer({ groupId: 'ac', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 1000 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(5), toArray())));
    const commits = watchCommits(cluster, time);
    cluster.injectErrors('OffsetCommit', [code]);
    for (const r of records.slice(0, 3)) r.ack();
    await time.advance(1000);
    expect(commits.map((c) => c.offsets)).toEqual([['orders[0]@3']]);
    expect(committed('ac', 0)).toBeNull(); // refused
    const stats = await firstValueFrom(consumer.stats$);
    expect(stats.commitFailures).toBe(1);
    // nothing acked since: the refused offsets go again, one interval later, and land
    await time.advance(1000);
    expect(commits.map((c) => c.offsets)).toEqual([['orders[0]@3'], ['orders[0]@3']]);
    expect(commits[1].at - commits[0].at).toBe(1000);
    expect(committed('ac', 0)).toBe(3n);
    // and once landed, an interval with no new ack sends nothing
    await time.advance(3000);
    expect(commits).toHaveLength(2);
    // acks after a failure join those kept: one commit moves over both
    cluster.injectErrors('OffsetCommit', [code]);
    records[3].ack();
    await time.advance(1000);
    expect(committed('ac', 0)).toBe(3n);
    records[4].ack();
    await time.advance(1000);
    expect(commits.map((c) => c.offsets).slice(2)).toEqual([['orders[0]@4'], ['orders[0]@5']]);
    expect(committed('ac', 0)).toBe(5n);
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('the consumer and its streams go on after a failed auto-commit', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    await produce(2);
    const consumer = client().consumer({ groupId: 'go', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 1000 });
    const values: string[] = [];
    const end = ending(consumer.records$);
    consumer.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    cluster.injectErrors('OffsetCommit', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    await time.advance(2500);
    expect(values).toEqual(['v0', 'v1']);
    expect(committed('go', 0)).toBeNull();
    await produce(1, 2);
    await time.advance(1000);
    expect(values).toEqual(['v0', 'v1', 'v2']);
    expect(committed('go', 0)).toBe(3n);
    expect(end.value).toBe('open');
    await time.run(() => consumer.close());
    await done();
  }, 60_000);
});

describe('a commit refused for a rebalance is retried once the member has joined again', () => {
  it.each([
    ['REBALANCE_IN_PROGRESS', ErrorCode.REBALANCE_IN_PROGRESS],
    ['ILLEGAL_GENERATION', ErrorCode.ILLEGAL_GENERATION],
  ])('commit() refused with %s (cooperative, no interval): after the rejoin the acked offsets of the partitions kept are committed', async (_name, code) => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await produce(6);
    const consumer = client().consumer({
      groupId: 'rj',
      topics: ['orders'],
      assignors: ['cooperative-sticky'],
      autoOffsetReset: 'earliest',
      ack: 'manual',
      autoCommitIntervalMs: 0,
      heartbeatIntervalMs: 1000,
    });
    const events: RebalanceEvent[] = [];
    consumer.rebalances$.subscribe((e) => events.push(e));
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(6), toArray())));
    const firstGeneration = events[0].generationId;
    const commits = watchCommits(cluster, time);
    for (const r of records) r.ack();
    cluster.injectErrors('OffsetCommit', [code]);
    await expect(time.run(() => consumer.commit())).rejects.toMatchObject({ code });
    expect(commits[0].generationId).toBe(firstGeneration); // the refused one
    await time.advance(10_000);
    // joined again, a new generation, both partitions kept (cooperative: nothing revoked)
    expect(events.map((e) => `${e.type}:${e.partitions.length}`)).toEqual(['assigned:2', 'assigned:0']);
    const secondGeneration = events[1].generationId;
    expect(secondGeneration).toBeGreaterThan(firstGeneration);
    // the refused offsets, committed in the new generation, without another commit() or interval
    expect(commits).toHaveLength(2);
    expect(commits[1].generationId).toBe(secondGeneration);
    expect(committed('rj', 0)! + committed('rj', 1)!).toBe(6n);
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('an auto-commit refused for a rebalance lands after the rejoin, long before the next interval', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    await produce(3);
    const consumer = client().consumer({
      groupId: 'ra',
      topics: ['orders'],
      assignors: ['cooperative-sticky'],
      autoOffsetReset: 'earliest',
      autoCommitIntervalMs: 60_000,
      heartbeatIntervalMs: 1000,
    });
    const events: RebalanceEvent[] = [];
    consumer.rebalances$.subscribe((e) => events.push(e));
    const commits = watchCommits(cluster, time);
    cluster.injectErrors('OffsetCommit', [ErrorCode.REBALANCE_IN_PROGRESS]);
    await time.run(() => firstValueFrom(consumer.records$.pipe(take(3), toArray())));
    const started = time.now();
    await time.advance(70_000);
    expect(commits.length).toBeGreaterThanOrEqual(2);
    expect(commits[0].offsets).toEqual(['orders[0]@3']);
    expect(commits[1].offsets).toEqual(['orders[0]@3']);
    // refused at the first interval, then again once joined: well before the second interval
    expect(commits[1].at - commits[0].at).toBeLessThan(10_000);
    expect(commits[0].at - started).toBeLessThanOrEqual(60_000);
    expect(commits[1].generationId).toBe(events[events.length - 1].generationId);
    expect(committed('ra', 0)).toBe(3n);
    await time.run(() => consumer.close());
    await done();
  }, 60_000);
});

describe('auto-commits through a rebalance', () => {
  it('a member committing every 20 ms while its JoinGroup waits for a slow member: one rebalance round, every acked offset committed', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await cluster.createTopic('other', { partitions: 2, replicationFactor: 3 });
    await cluster.createTopic('more', { partitions: 2, replicationFactor: 3 });
    const base = { groupId: 'st', assignors: ['cooperative-sticky'], autoOffsetReset: 'earliest', heartbeatIntervalMs: 1000, sessionTimeoutMs: 30_000 } as const;
    // A's auto-commit goes every 20 ms, so commits go on all through its rejoin
    const a = client().consumer({ ...base, topics: ['orders'], autoCommitIntervalMs: 20 });
    const events: RebalanceEvent[] = [];
    a.rebalances$.subscribe((e) => events.push(e));
    a.records$.subscribe();
    // C hears of rebalances late (heartbeats 3 s apart): A's JoinGroup waits for it
    const c = client().consumer({ ...base, topics: ['other'], heartbeatIntervalMs: 3000, autoCommitIntervalMs: 0 });
    c.records$.subscribe();
    await produce(10);
    await time.advance(10_000);
    const settled = events.at(-1)?.generationId ?? -1; // A and C, settled
    events.length = 0;
    // JoinGroups with a member id (B's first one asks for its id: MEMBER_ID_REQUIRED)
    const joins: number[] = [];
    cluster.requests$.subscribe((r) => {
      if (r.apiKey === JoinGroup.apiKey && (r.body as JoinGroupRequest).memberId !== '') joins.push(time.now());
    });
    const commits = watchCommits(cluster, time);
    // records arrive while B joins, so A has acks to commit all through its rejoin
    const b = client().consumer({ ...base, topics: ['more'], autoCommitIntervalMs: 0 });
    b.records$.subscribe();
    for (let i = 0; i < 40; i++) {
      await produce(2, 100 + 2 * i);
      await time.advance(100);
    }
    await time.advance(20_000);
    const generations = [...new Set(events.map((e) => e.generationId))];
    // B takes 'more', which nobody had; A and C keep theirs: one rebalance, one more generation
    expect(generations).toEqual([settled + 1]);
    expect(events.filter((e) => e.type !== 'assigned')).toEqual([]);
    expect(joins).toHaveLength(3); // A's, B's and C's, once each
    // A went on committing in the old generation while its JoinGroup waited (the case under test)
    expect(commits.some((c) => c.generationId === settled && c.at >= joins[1])).toBe(true);
    expect(committed('st', 0)! + committed('st', 1)!).toBe(90n);
    await time.run(() => Promise.all([a.close(), b.close(), c.close()]));
    await done();
  }, 60_000);
});

describe('commit(offsets): explicit offsets, of owned partitions only', () => {
  it('commits exactly the offsets given (the next offset to read), forward or back, leaving acks alone', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await produce(10);
    const consumer = client().consumer({ groupId: 'ex', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    const records = await time.run(() => firstValueFrom(consumer.records$.pipe(take(10), toArray())));
    const commits = watchCommits(cluster, time);
    await time.run(() => consumer.commit([{ topic: 'orders', partition: 0, offset: 2n }]));
    expect(committed('ex', 0)).toBe(2n); // nothing acked: exactly what was given
    expect(committed('ex', 1)).toBeNull();
    expect(cluster.state.offsets.fetch('ex', 'orders', 0)?.leaderEpoch).toBe(-1);
    await time.run(() => consumer.commit([{ topic: 'orders', partition: 0, offset: 1n }, { topic: 'orders', partition: 1, offset: 3n }]));
    expect(committed('ex', 0)).toBe(1n); // backwards too
    expect(committed('ex', 1)).toBe(3n);
    expect(commits.map((c) => c.offsets)).toEqual([['orders[0]@2'], ['orders[0]@1', 'orders[1]@3']]);
    // an empty list commits nothing
    await time.run(() => consumer.commit([]));
    expect(commits).toHaveLength(2);
    // acks are left alone: commit() commits the ack point, only where acks moved it
    await time.run(() => consumer.commit());
    expect(commits).toHaveLength(2);
    const p0 = records.filter((r: ConsumerRecord) => r.partition === 0);
    for (const r of p0) r.ack();
    await time.run(() => consumer.commit());
    expect(committed('ex', 0)).toBe(BigInt(p0.length));
    expect(committed('ex', 1)).toBe(3n);
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('an offset for a partition the member does not own rejects with NotAssignedError naming it, and commits none of the list', async () => {
    const { time, cluster, client, done } = await groupCluster(1);
    const consumer = client().consumer({ groupId: 'na', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 0 });
    consumer.records$.subscribe();
    await time.run(() => firstValueFrom(consumer.rebalances$.pipe(filter((e) => e.type === 'assigned'))));
    const commits = watchCommits(cluster, time);
    const refused = consumer.commit([{ topic: 'orders', partition: 0, offset: 1n }, { topic: 'orders', partition: 3, offset: 1n }]);
    await expect(refused).rejects.toBeInstanceOf(NotAssignedError);
    await expect(refused).rejects.toMatchObject({ name: 'NotAssignedError', topic: 'orders', partition: 3, message: expect.stringMatching(/orders\[3\]/) as unknown });
    await expect(consumer.commit([{ topic: 'elsewhere', partition: 0, offset: 1n }])).rejects.toMatchObject({ topic: 'elsewhere', partition: 0 });
    await time.settle();
    expect(commits).toEqual([]);
    expect(cluster.state.offsets.fetch('na', 'orders', 0)).toBeUndefined();
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('a partition given up is not owned any more: committing it is a NotAssignedError, before any request', async () => {
    const { time, cluster, client, done } = await groupCluster(2);
    const a = client().consumer({ groupId: 'gu', topics: ['orders'], assignors: ['range'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 0, heartbeatIntervalMs: 1000 });
    const aEvents: RebalanceEvent[] = [];
    a.rebalances$.subscribe((e) => aEvents.push(e));
    a.records$.subscribe();
    await time.run(() => firstValueFrom(a.rebalances$.pipe(filter((e) => e.type === 'assigned'))));
    const b = client().consumer({ groupId: 'gu', topics: ['orders'], assignors: ['range'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 0, heartbeatIntervalMs: 1000 });
    b.records$.subscribe();
    await time.advance(10_000);
    const aOwns = aEvents.reduce((set, e) => {
      for (const p of e.partitions) {
        if (e.type === 'assigned') set.add(p.partition);
        else set.delete(p.partition);
      }
      return set;
    }, new Set<number>());
    expect(aOwns.size).toBe(1);
    const gone = aOwns.has(0) ? 1 : 0;
    const commits = watchCommits(cluster, time);
    await expect(a.commit([{ topic: 'orders', partition: gone, offset: 0n }])).rejects.toMatchObject({ name: 'NotAssignedError', partition: gone });
    await time.run(() => a.commit([{ topic: 'orders', partition: 1 - gone, offset: 0n }]));
    expect(commits.map((c) => c.offsets)).toEqual([[`orders[${1 - gone}]@0`]]);
    await done();
  }, 60_000);

  it('commit() and commit(offsets) on a consumer without a groupId reject with NoGroupError', async () => {
    const { time, client, done } = await groupCluster(1);
    const consumer = client().consumer({ assign: [{ topic: 'orders', partition: 0, offset: 0n }] });
    const sub = consumer.records$.subscribe();
    await time.settle();
    await expect(consumer.commit()).rejects.toBeInstanceOf(NoGroupError);
    await expect(consumer.commit()).rejects.toMatchObject({ name: 'NoGroupError' });
    await expect(consumer.commit([{ topic: 'orders', partition: 0, offset: 1n }])).rejects.toBeInstanceOf(NoGroupError);
    const e = await consumer.commit().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaError);
    sub.unsubscribe();
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('commit(offsets) with a negative offset is refused before any request', async () => {
    const { time, cluster, client, done } = await groupCluster(1);
    const consumer = client().consumer({ groupId: 'neg', topics: ['orders'], autoCommitIntervalMs: 0 });
    consumer.records$.subscribe();
    await time.run(() => firstValueFrom(consumer.rebalances$.pipe(filter((e) => e.type === 'assigned'))));
    const commits = watchCommits(cluster, time);
    await expect(consumer.commit([{ topic: 'orders', partition: 0, offset: -1n }])).rejects.toBeInstanceOf(KafkaError);
    await time.settle();
    expect(commits).toEqual([]);
    await time.run(() => consumer.close());
    await done();
  }, 60_000);
});

describe('coordinator moves are followed (3 brokers)', () => {
  /** One member reading 2 partitions with auto acks, committing every second. */
  async function runningGroup(groupId: string, inject: (cluster: MockCluster) => void) {
    const g = await groupCluster(2);
    await g.produce(20);
    inject(g.cluster);
    const consumer = g.client().consumer({ groupId, topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 1000, heartbeatIntervalMs: 1000, sessionTimeoutMs: 30_000 });
    const events: RebalanceEvent[] = [];
    consumer.rebalances$.subscribe((e) => events.push(e));
    const values: string[] = [];
    const end = ending(consumer.records$);
    consumer.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    return { ...g, consumer, events, values, end };
  }

  const expectOnce = (values: readonly string[], count: number) => {
    expect(values).toHaveLength(count);
    expect(new Set(values).size).toBe(count);
  };

  it.each([
    ['NOT_COORDINATOR on JoinGroup', 'JoinGroup', ErrorCode.NOT_COORDINATOR],
    ['COORDINATOR_LOAD_IN_PROGRESS on JoinGroup', 'JoinGroup', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ['NOT_COORDINATOR on SyncGroup', 'SyncGroup', ErrorCode.NOT_COORDINATOR],
    ['COORDINATOR_NOT_AVAILABLE on FindCoordinator', 'FindCoordinator', ErrorCode.COORDINATOR_NOT_AVAILABLE],
  ])('%s while joining: the member joins once, reads every record once, and its commits land', async (_name, api, code) => {
    const { time, consumer, events, values, end, committed, produce, done } = await runningGroup('j', (c) => c.injectErrors(api, [code, code]));
    await time.advance(5000);
    expect(events.map((e) => e.type)).toEqual(['assigned']);
    expectOnce(values, 20);
    expect(committed('j', 0)! + committed('j', 1)!).toBe(20n);
    await produce(10, 20);
    await time.advance(3000);
    expectOnce(values, 30);
    expect(committed('j', 0)! + committed('j', 1)!).toBe(30n);
    expect(end.value).toBe('open');
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it.each([
    ['NOT_COORDINATOR on Heartbeat', 'Heartbeat', ErrorCode.NOT_COORDINATOR],
    ['COORDINATOR_LOAD_IN_PROGRESS on Heartbeat', 'Heartbeat', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ['NOT_COORDINATOR on OffsetCommit', 'OffsetCommit', ErrorCode.NOT_COORDINATOR],
    ['COORDINATOR_LOAD_IN_PROGRESS on OffsetCommit', 'OffsetCommit', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ['NOT_COORDINATOR on OffsetFetch', 'OffsetFetch', ErrorCode.NOT_COORDINATOR],
  ])('%s in a running group: no rebalance, every record read once, the commit lands', async (_name, api, code) => {
    const { time, cluster, consumer, events, values, end, committed, produce, done } = await runningGroup('h', () => undefined);
    await time.advance(3000);
    expectOnce(values, 20);
    const commits = watchCommits(cluster, time);
    const beats: number[] = [];
    cluster.requests$.pipe(filter((r) => r.apiKey === Heartbeat.apiKey)).subscribe(() => beats.push(time.now()));
    cluster.injectErrors(api, [code, code, code]);
    await produce(10, 20);
    await time.advance(5000);
    expect(events.map((e) => e.type)).toEqual(['assigned']);
    expectOnce(values, 30);
    expect(committed('h', 0)! + committed('h', 1)!).toBe(30n);
    expect(beats.length).toBeGreaterThanOrEqual(4); // heartbeats went on
    if (api === 'OffsetCommit') expect(commits.length).toBeGreaterThan(1); // the refused ones went again
    expect(end.value).toBe('open');
    // a commit() now lands too
    await time.run(() => consumer.commit());
    await time.run(() => consumer.close());
    expect(committed('h', 0)! + committed('h', 1)!).toBe(30n);
    await done();
  }, 60_000);

  it('the coordinator broker goes down: the group follows it to its new coordinator, reads every record once, and its commits land there', async () => {
    const { time, cluster, consumer, events, values, end, committed, produce, done } = await runningGroup('mv', () => undefined);
    await time.advance(3000);
    expectOnce(values, 20);
    const before = cluster.state.coordinatorFor('mv')!.id;
    const commits = watchCommits(cluster, time);
    const joins: number[] = [];
    cluster.requests$.pipe(filter((r) => r.apiKey === JoinGroup.apiKey)).subscribe((r) => joins.push(r.broker));
    cluster.setBrokerDown(before);
    const after = cluster.state.coordinatorFor('mv')!.id;
    expect(after).not.toBe(before);
    await produce(10, 20);
    await time.advance(8000);
    expect(events.map((e) => e.type)).toEqual(['assigned']); // the member stayed in its generation
    expect(joins).toEqual([]);
    expectOnce(values, 30);
    expect(committed('mv', 0)! + committed('mv', 1)!).toBe(30n);
    const landed = commits.filter((c) => c.broker === after);
    expect(landed.length).toBeGreaterThan(0);
    expect(commits.filter((c) => c.broker === before)).toEqual([]);
    expect(end.value).toBe('open');
    await time.run(() => consumer.close());
    await done();
  }, 60_000);

  it('the coordinator moves away and back while a second member joins: both follow it (one never knew the broker it moves back to), records are read once between them', async () => {
    const { time, cluster, client, consumer, events, values, committed, produce, done } = await runningGroup('mv2', () => undefined);
    await time.advance(3000);
    const first = cluster.state.coordinatorFor('mv2')!.id;
    cluster.setBrokerDown(first);
    const other = client().consumer({ groupId: 'mv2', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 1000, heartbeatIntervalMs: 1000, sessionTimeoutMs: 30_000 });
    const otherEnd = ending(other.records$);
    other.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    await time.advance(2000);
    cluster.setBrokerUp(first); // the hash over live brokers gives the group back to it
    expect(cluster.state.coordinatorFor('mv2')!.id).toBe(first);
    await produce(10, 20);
    await time.advance(15_000);
    expectOnce(values, 30);
    expect(events.some((e) => e.type === 'lost')).toBe(false);
    // the member that joined while the first coordinator was down never knew its broker: it
    // follows the group back to it all the same
    expect(otherEnd.value).toBe('open');
    expect(committed('mv2', 0)! + committed('mv2', 1)!).toBe(30n);
    await time.run(() => Promise.all([consumer.close(), other.close()]));
    expect(committed('mv2', 0)! + committed('mv2', 1)!).toBe(30n);
    await done();
  }, 60_000);
});

describe('static membership: a fenced member errors with FencedInstanceIdError and commits nothing more', () => {
  it('a second member with the same groupInstanceId: the first one hears it at its heartbeat, its streams error, its partitions are lost, its acks never committed', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    await produce(5);
    const options = { groupId: 'st', topics: ['orders'], groupInstanceId: 'x', autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0, heartbeatIntervalMs: 1000 } as const;
    const a = client().consumer(options);
    const aEvents: string[] = [];
    const aRebalances = ending(a.rebalances$);
    a.rebalances$.subscribe({ next: (e) => aEvents.push(e.type), error: () => undefined });
    const aRecords = ending(a.records$);
    const aBatches = ending(a.batches$);
    const held = await time.run(() => firstValueFrom(a.records$.pipe(take(5), toArray())));
    held[0].ack();
    held[1].ack();
    await time.run(() => a.commit());
    expect(committed('st', 0)).toBe(2n);
    const aMember = (await firstValueFrom(a.stats$)).memberId;
    // b takes the instance id over (a stable group, same protocols: no rebalance, a's assignment)
    const b = client().consumer(options);
    const bRecords: ConsumerRecord[] = [];
    b.records$.subscribe((r) => bRecords.push(r));
    const commits = watchCommits(cluster, time);
    await time.advance(3000);
    expect(aRecords.value).toBeInstanceOf(FencedInstanceIdError);
    expect(aBatches.value).toBeInstanceOf(FencedInstanceIdError);
    expect(aRebalances.value).toBeInstanceOf(FencedInstanceIdError);
    expect((aRecords.value as FencedInstanceIdError).name).toBe('FencedInstanceIdError');
    expect(aEvents).toEqual(['assigned', 'lost']);
    // b reads from a's last commit
    expect(bRecords.map((r) => Number(r.offset))).toEqual([2, 3, 4]);
    // a's late acks, a commit() and its close commit nothing
    for (const r of held) r.ack();
    await time.run(() => a.commit().catch(() => undefined));
    await time.run(() => a.close());
    expect(commits.filter((c) => c.memberId === aMember)).toEqual([]);
    expect(committed('st', 0)).toBe(2n);
    await time.run(() => b.close());
    await done();
  }, 60_000);

  it('a commit refused with FENCED_INSTANCE_ID rejects with FencedInstanceIdError and ends the consumer at once', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(1);
    await produce(4);
    const options = { groupId: 'sc', topics: ['orders'], groupInstanceId: 'y', autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0, heartbeatIntervalMs: 5000 } as const;
    const a = client().consumer(options);
    const aEvents: string[] = [];
    a.rebalances$.subscribe({ next: (e) => aEvents.push(e.type), error: () => undefined });
    const aRecords = ending(a.records$);
    const held = await time.run(() => firstValueFrom(a.records$.pipe(take(4), toArray())));
    const aMember = (await firstValueFrom(a.stats$)).memberId;
    const b = client().consumer(options);
    b.records$.subscribe();
    await time.run(() => firstValueFrom(b.rebalances$.pipe(filter((e) => e.type === 'assigned'))));
    expect(aRecords.value).toBe('open'); // a has not heartbeaten since
    const commits = watchCommits(cluster, time);
    for (const r of held) r.ack();
    const refused = await time.run(() => a.commit().catch((e: unknown) => e));
    expect(refused).toBeInstanceOf(FencedInstanceIdError);
    await time.settle();
    expect(aRecords.value).toBeInstanceOf(FencedInstanceIdError);
    expect(aEvents).toEqual(['assigned', 'lost']);
    // the one refused request, nothing after it
    expect(commits.filter((c) => c.memberId === aMember)).toHaveLength(1);
    await time.run(() => a.close());
    expect(commits.filter((c) => c.memberId === aMember)).toHaveLength(1);
    expect(committed('sc', 0)).toBeNull();
    await time.run(() => b.close());
    await done();
  }, 60_000);

  it('FENCED_INSTANCE_ID injected on a Heartbeat: FencedInstanceIdError on every stream, partitions lost, nothing committed on close', async () => {
    const { time, cluster, client, produce, committed, done } = await groupCluster(2);
    await produce(6);
    const a = client().consumer({ groupId: 'si', topics: ['orders'], groupInstanceId: 'z', autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 500, heartbeatIntervalMs: 1000 });
    const aEvents: RebalanceEvent[] = [];
    const rebalances = ending(a.rebalances$);
    a.rebalances$.subscribe({ next: (e) => aEvents.push(e), error: () => undefined });
    const records = ending(a.records$);
    const partitions = ending(a.partitions$);
    const held = await time.run(() => firstValueFrom(a.records$.pipe(take(6), toArray())));
    const commits = watchCommits(cluster, time);
    cluster.injectErrors('Heartbeat', [ErrorCode.FENCED_INSTANCE_ID]);
    await time.advance(1000);
    expect(records.value).toBeInstanceOf(FencedInstanceIdError);
    expect(partitions.value).toBeInstanceOf(FencedInstanceIdError);
    expect(rebalances.value).toBeInstanceOf(FencedInstanceIdError);
    expect(aEvents.map((e) => `${e.type}:${e.partitions.length}`)).toEqual(['assigned:2', 'lost:2']);
    for (const r of held) r.ack();
    await time.advance(3000);
    await time.run(() => a.close());
    expect(commits).toEqual([]);
    expect(committed('si', 0)).toBeNull();
    expect(committed('si', 1)).toBeNull();
    await done();
  }, 60_000);
});

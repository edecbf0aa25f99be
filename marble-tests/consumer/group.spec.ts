import { filter, map } from 'rxjs';
import { describe, it } from 'vitest';
import { Heartbeat, OffsetCommit, type OffsetCommitRequest } from '../../src/protocol/messages/index.js';
import { advanceTo, expectRecorded, marbleCluster, record } from './helpers.js';

describe('consumer group timing (marbles, in-memory MockCluster on a TestScheduler)', () => {
  it('heartbeats every heartbeatIntervalMs from the sync on, whatever the processing does', async () => {
    const { ts, cluster, client, done } = await marbleCluster(1);
    const heartbeats = record(ts, cluster.requests$.pipe(filter((r) => r.apiKey === Heartbeat.apiKey), map(() => 'h')));
    const consumer = client().consumer({ groupId: 'g', topics: ['t'], heartbeatIntervalMs: 3000, sessionTimeoutMs: 10_000 });
    consumer.records$.subscribe();
    await advanceTo(ts, 12_000);
    expectRecorded(heartbeats, '3000ms h 2999ms h 2999ms h 2999ms h');
    await done();
  });

  it('auto-commits on its interval, only when acks moved, and only the contiguous run of out-of-order acks', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(1);
    await produce(['a', 'b', 'c', 'd']);
    const start = ts.now();
    const commits = record(
      ts,
      cluster.requests$.pipe(
        filter((r) => r.apiKey === OffsetCommit.apiKey),
        map((r) => String((r.body as OffsetCommitRequest).topics[0].partitions[0].committedOffset)),
      ),
    );
    const consumer = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 1000 });
    const held: Array<{ ack(): void }> = [];
    consumer.records$.subscribe((r) => held.push(r));
    await advanceTo(ts, start + 500);
    held[1].ack(); // b: a not acked, nothing to commit
    await advanceTo(ts, start + 1500);
    held[0].ack(); // a and b: commit 2
    await advanceTo(ts, start + 2500);
    held[3].ack(); // d acked, c not: still 2, no commit
    await advanceTo(ts, start + 3500);
    held[2].ack(); // all four: commit 4
    await advanceTo(ts, start + 4500);
    expectRecorded(commits, '2000ms x 1999ms y', { x: '2', y: '4' });
    await done();
  });
});

describe('rebalance sequences (marbles, in-memory MockCluster on a TestScheduler)', () => {
  it('the revoke barrier: on a join, the owner completes its streams, waits for acks, commits, then is revoked; the newcomer is assigned after', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(2);
    await produce(['a0', 'a1'], 0);
    await produce(['b0'], 1);
    const t0 = ts.now();
    const owner = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000 });
    const held: Array<{ ack(): void }> = [];
    owner.records$.subscribe((r) => held.push(r));
    const ownerEvents = record(ts, owner.rebalances$.pipe(map((e) => `${e.type}:${e.partitions.map((p) => p.partition).join('')}`)));
    const commits = record(ts, cluster.requests$.pipe(filter((r) => r.apiKey === OffsetCommit.apiKey), map(() => 'c')));
    await advanceTo(ts, t0 + 2000);
    const newcomer = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000 });
    newcomer.records$.subscribe();
    const newcomerEvents = record(ts, newcomer.rebalances$.pipe(map((e) => `${e.type}:${e.partitions.map((p) => p.partition).join('')}`)));
    // the owner hears of the rebalance at its heartbeat at 3000 and waits; the acks come at 5000
    await advanceTo(ts, t0 + 5000);
    for (const r of held) r.ack();
    await advanceTo(ts, t0 + 8000);
    // which member keeps which partition follows their member ids (the assignor sorts by them)
    const given = String(newcomerEvents.frames[0]?.notification.kind === 'N' ? newcomerEvents.frames[0].notification.value : '');
    const kept = given === 'assigned:1' ? 'assigned:0' : 'assigned:1';
    // revoked the moment its acks are committed; in the new generation 50 ms later (the leader
    // of two syncs a moment after the other) with what stays
    expectRecorded(ownerEvents, 'a 4999ms r 49ms b', { a: 'assigned:01', r: 'revoked:01', b: kept });
    expectRecorded(commits, '5000ms c');
    expectRecorded(newcomerEvents, '5050ms n', { n: given === 'assigned:0' ? 'assigned:0' : 'assigned:1' });
    await done();
  });

  it('a member whose session expires (frozen, no LeaveGroup) is replaced at the next heartbeat of the others after the session timeout', async () => {
    const { ts, client, done, cluster } = await marbleCluster(2);
    const { freezable } = await import('../../spec/consumer/support.js');
    const frozen = freezable(cluster.transport);
    const t0 = ts.now();
    const options = { groupId: 'g', topics: ['t'], heartbeatIntervalMs: 1000, sessionTimeoutMs: 5000, autoCommitIntervalMs: 0 } as const;
    const doomed = client(frozen.transport).consumer(options);
    const survivor = client().consumer(options);
    doomed.records$.subscribe();
    survivor.records$.subscribe();
    const events = record(ts, survivor.rebalances$.pipe(map((e) => `${e.type}:${e.partitions.length}`)));
    await advanceTo(ts, t0 + 2500);
    frozen.freeze();
    // the first generation synced at 50 (a leader of two syncs 50 ms after the other); doomed's
    // last heartbeat was answered at 2050: its session ends at 7050, and the survivor's heartbeat
    // then hears of the rebalance, gives up its partition (eager), and takes both
    await advanceTo(ts, t0 + 12_000);
    expectRecorded(events, '50ms a 6999ms (rb)', { a: 'assigned:1', r: 'revoked:1', b: 'assigned:2' });
    await done();
  });

  it('acks that come after the revoke waited them out are dropped, never committed', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(1);
    await produce(['x0', 'x1']);
    const t0 = ts.now();
    const committed = record(
      ts,
      cluster.requests$.pipe(
        filter((r) => r.apiKey === OffsetCommit.apiKey),
        map((r) => String((r.body as OffsetCommitRequest).topics[0].partitions[0].committedOffset)),
      ),
    );
    const owner = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 2000, sessionTimeoutMs: 10_000 });
    const held: Array<{ ack(): void }> = [];
    owner.records$.subscribe((r) => held.push(r));
    await advanceTo(ts, t0 + 500);
    held[0].ack();
    const other = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', ack: 'manual', heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 2000, sessionTimeoutMs: 10_000 });
    other.records$.subscribe();
    // rebalance heard at 1000; the barrier waits 2000 ms for x1's ack, then commits what was acked (1)
    await advanceTo(ts, t0 + 4000);
    held[1].ack(); // too late: the partition is no longer this member's in this generation
    await advanceTo(ts, t0 + 8000);
    await owner.commit().catch(() => undefined);
    await advanceTo(ts, t0 + 9000);
    expectRecorded(committed, '3000ms a', { a: '1' });
    await done();
  });
});

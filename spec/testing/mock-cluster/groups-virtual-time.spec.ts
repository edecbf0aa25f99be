import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { DescribeGroups, Heartbeat, JoinGroup, SyncGroup, type Input, type JoinGroupRequest } from '../../../src/protocol/messages/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { openCoordinator, type RawClient } from './groups-support.js';

const SESSION_MS = 10_000;
const REBALANCE_MS = 20_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The cluster runs on virtual time; its clients' connections on real time. */
async function start(): Promise<{ cluster: MockCluster; scheduler: VirtualTimeScheduler }> {
  const scheduler = new VirtualTimeScheduler();
  const cluster = await MockCluster.start({ brokers: 1, scheduler });
  cleanups.push(() => cluster.stop());
  return { cluster, scheduler };
}

async function client(cluster: MockCluster, groupId: string): Promise<RawClient> {
  const c = await openCoordinator(cluster, groupId);
  cleanups.push(() => c.close());
  return c;
}

/** Moves virtual time to `t`, running every timer due by then. */
function advanceTo(scheduler: VirtualTimeScheduler, t: number): void {
  // a no-op action at `t` makes the clock land there even when no timer is due
  scheduler.schedule(() => undefined, t - scheduler.now());
  scheduler.maxFrames = t;
  scheduler.flush();
}

const body = (groupId: string, memberId: string): Input<JoinGroupRequest> => ({
  groupId,
  memberId,
  sessionTimeoutMs: SESSION_MS,
  rebalanceTimeoutMs: REBALANCE_MS,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('m') }],
});

async function joinAndSync(c: RawClient, groupId: string): Promise<{ memberId: string; generationId: number }> {
  const first = await c.call(JoinGroup, body(groupId, ''), 5);
  const joined = await c.call(JoinGroup, body(groupId, first.memberId), 5);
  expect(joined.errorCode).toBe(0);
  const synced = await c.call(SyncGroup, { groupId, generationId: joined.generationId, memberId: joined.memberId, assignments: [] }, 3);
  expect(synced.errorCode).toBe(0);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

describe('MockCluster group timers on the scheduler', () => {
  it('a member whose session expires in virtual time is removed; heartbeats before that keep it', async () => {
    const { cluster, scheduler } = await start();
    const groupId = 'virtual-session';
    const c = await client(cluster, groupId);
    const m = await joinAndSync(c, groupId);
    const beat = () => c.call(Heartbeat, { groupId, generationId: m.generationId, memberId: m.memberId }, 3).then((r) => r.errorCode);

    advanceTo(scheduler, SESSION_MS - 1);
    expect(await beat()).toBe(0);
    // the heartbeat restarted the session: a full session later it is still there
    advanceTo(scheduler, 2 * SESSION_MS - 2);
    expect(await beat()).toBe(0);
    const described = (await c.call(DescribeGroups, { groups: [groupId] }, 5)).groups[0];
    expect(described.members.map((x) => x.memberId)).toEqual([m.memberId]);

    advanceTo(scheduler, 3 * SESSION_MS);
    expect(await beat()).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const after = (await c.call(DescribeGroups, { groups: [groupId] }, 5)).groups[0];
    expect(after).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('a member that does not rejoin within the rebalance timeout is dropped and the others form the next generation', async () => {
    const { cluster, scheduler } = await start();
    const groupId = 'virtual-rebalance';
    const a = await client(cluster, groupId);
    const b = await client(cluster, groupId);
    const m = await joinAndSync(a, groupId);

    const bFirst = await b.call(JoinGroup, body(groupId, ''), 5);
    const bJoined = b.call(JoinGroup, body(groupId, bFirst.memberId), 5);
    // A's heartbeat says the rebalance began (so B's join is parked); A then goes silent
    let heard = false;
    for (let i = 0; i < 200 && !heard; i++) {
      heard = (await a.call(Heartbeat, { groupId, generationId: m.generationId, memberId: m.memberId }, 3)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS;
    }
    expect(heard).toBe(true);

    advanceTo(scheduler, scheduler.now() + REBALANCE_MS);
    const joined = await bJoined;
    expect(joined).toMatchObject({ errorCode: 0, generationId: m.generationId + 1, leader: bFirst.memberId });
    expect(joined.members.map((x) => x.memberId)).toEqual([bFirst.memberId]);
    expect((await a.call(Heartbeat, { groupId, generationId: m.generationId, memberId: m.memberId }, 3)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member id handed out with MEMBER_ID_REQUIRED and never used expires with the session timeout', async () => {
    const { cluster, scheduler } = await start();
    const groupId = 'virtual-pending';
    const c = await client(cluster, groupId);
    const first = await c.call(JoinGroup, body(groupId, ''), 5);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    advanceTo(scheduler, SESSION_MS + 1);
    const late = await c.call(JoinGroup, body(groupId, first.memberId), 5);
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('stopping the cluster cancels every group timer', async () => {
    const scheduler = new VirtualTimeScheduler();
    const cluster = await MockCluster.start({ brokers: 1, scheduler });
    const groupId = 'virtual-stop';
    const c = await openCoordinator(cluster, groupId);
    try {
      await joinAndSync(c, groupId);
      expect(scheduler.actions.length).toBeGreaterThan(0);
    } finally {
      c.close();
      await cluster.stop();
    }
    expect(scheduler.actions).toHaveLength(0);
  });
});

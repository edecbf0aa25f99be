import { asyncScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  DeleteGroups,
  DescribeGroups,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
  type FindCoordinatorResponse,
  type Input,
  type JoinGroupRequest,
  type JoinGroupResponse,
} from '../../../src/protocol/messages/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { findCoordinatorHandler } from '../../../src/testing/mock-cluster/handlers/find-coordinator.js';
import { ClusterState } from '../../../src/testing/mock-cluster/state.js';
import { openBroker, openCoordinator, otherBroker, type RawClient } from './groups-support.js';

const MEMBER_ID_REQUIRED = ErrorCode.MEMBER_ID_REQUIRED;
const TOPIC = 'group-offsets';

const protocols = (owner: string, names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(`${owner}:${name}`) }));

function joinBody(groupId: string, memberId: string, extra: Partial<Input<JoinGroupRequest>> = {}): Input<JoinGroupRequest> {
  return {
    groupId,
    memberId,
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: protocols('m', ['range']),
    ...extra,
  };
}

/** JoinGroup v5 the way a dynamic member does it: get an id, then join with it. */
async function join(client: RawClient, groupId: string, extra: Partial<Input<JoinGroupRequest>> = {}): Promise<JoinGroupResponse> {
  const first = await client.call(JoinGroup, joinBody(groupId, '', extra), 5);
  expect(first.errorCode).toBe(MEMBER_ID_REQUIRED);
  return client.call(JoinGroup, joinBody(groupId, first.memberId, extra), 5);
}

/** A lone member that joined and synced: the group is Stable with it as leader. */
async function stableMember(client: RawClient, groupId: string): Promise<JoinGroupResponse> {
  const joined = await join(client, groupId);
  expect(joined.errorCode).toBe(0);
  const synced = await client.call(
    SyncGroup,
    { groupId, generationId: joined.generationId, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('all') }] },
    3,
  );
  expect(synced.errorCode).toBe(0);
  return joined;
}

/** Repeats `probe` until it holds, a bounded number of times (the broker gives no event to wait on). */
async function eventually(probe: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) if (await probe()) return;
  throw new Error(`condition not reached after ${attempts} attempts`);
}

describe('MockCluster group coordinator', () => {
  let cluster: MockCluster;
  const clients: RawClient[] = [];
  let groupSeq = 0;
  const newGroup = (label: string) => `${label}-${++groupSeq}`;
  const coordinatorClient = async (groupId: string, clientId?: string) => {
    const c = await openCoordinator(cluster, groupId, clientId);
    clients.push(c);
    return c;
  };
  /** Another group id that the same broker coordinates. */
  const sameCoordinatorAs = (groupId: string, prefix: string): string => {
    const want = cluster.state.coordinatorFor(groupId)?.id;
    for (let i = 0; i < 100; i++) if (cluster.state.coordinatorFor(`${prefix}-${i}`)?.id === want) return `${prefix}-${i}`;
    throw new Error('no group id with the same coordinator');
  };
  const brokerClient = async (brokerId: number) => {
    const c = await openBroker(cluster, brokerId);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 3 });
    await cluster.createTopic(TOPIC, { partitions: 2 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster.stop();
  });

  it('FindCoordinator names the coordinatorFor broker, for groups and transactional ids, one key or (v4+) many', async () => {
    const c = await brokerClient(1);
    const expected = (key: string) => {
      const b = cluster.state.coordinatorFor(key);
      return { nodeId: b?.id, host: b?.host, port: b?.port };
    };
    const one = await c.call(FindCoordinator, { key: 'orders-group', keyType: 0 }, 3);
    expect(one).toMatchObject({ errorCode: 0, ...expected('orders-group') });
    const txn = await c.call(FindCoordinator, { key: 'txn-1', keyType: 1 }, 2);
    expect(txn).toMatchObject({ errorCode: 0, ...expected('txn-1') });
    const many = await c.call(FindCoordinator, { keyType: 0, coordinatorKeys: ['a', 'b', 'c', 'd'] }, 4);
    expect(many.coordinators.map((x) => ({ key: x.key, errorCode: x.errorCode, nodeId: x.nodeId, host: x.host, port: x.port }))).toEqual(
      ['a', 'b', 'c', 'd'].map((key) => ({ key, errorCode: 0, ...expected(key) })),
    );
    // the hash spreads keys over more than one broker
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => cluster.state.coordinatorFor(k)?.id)).size).toBeGreaterThan(1);
    const bad = await c.call(FindCoordinator, { key: 'x', keyType: 7 }, 3);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('FindCoordinator answers COORDINATOR_NOT_AVAILABLE when no broker is live', () => {
    const state = new ClusterState(asyncScheduler, true, 1, () => undefined);
    const broker = { id: 1, host: '127.0.0.1', port: 1, rack: null, up: false, latencyMs: 0 };
    state.brokers.set(1, broker);
    const session = { clientId: null, authenticated: true, saslMechanism: null, saslExchange: undefined, principal: null };
    const ask = (apiVersion: number) =>
      findCoordinatorHandler.handle({ key: 'g', keyType: 0, coordinatorKeys: ['g', 'h'] }, { cluster: state, broker, session, apiVersion, correlationId: 1 }) as Input<FindCoordinatorResponse>;
    expect(ask(3)).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
    expect(ask(4).coordinators?.map((x) => x.errorCode)).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
  });

  it('JoinGroup v4+ first answers MEMBER_ID_REQUIRED with a coordinator-made id; v3 assigns the id at once', async () => {
    const groupId = newGroup('member-id');
    const c = await coordinatorClient(groupId, 'client-a');
    const first = await c.call(JoinGroup, joinBody(groupId, ''), 7);
    expect(first.errorCode).toBe(MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-a-[0-9a-f-]{36}$/);
    expect(first.protocolName).toBeNull();
    const second = await c.call(JoinGroup, joinBody(groupId, first.memberId), 7);
    expect(second).toMatchObject({ errorCode: 0, generationId: 1, memberId: first.memberId, leader: first.memberId, protocolType: 'consumer', protocolName: 'range' });
    expect(second.members.map((m) => m.memberId)).toEqual([first.memberId]);
    // a made-up id is not accepted
    const forged = await c.call(JoinGroup, joinBody(groupId, 'client-a-forged'), 7);
    expect(forged.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const oldGroup = newGroup('member-id-v3');
    const old = await coordinatorClient(oldGroup, 'client-b');
    const direct = await old.call(JoinGroup, joinBody(oldGroup, ''), 3);
    expect(direct.errorCode).toBe(0);
    expect(direct.memberId).toMatch(/^client-b-/);
    expect(direct.generationId).toBe(1);
  });

  it('the leader gets every member\'s metadata, the protocol is the leader\'s first one all support, followers\' SyncGroup waits for the leader', async () => {
    const groupId = newGroup('rebalance');
    const a = await coordinatorClient(groupId, 'client-a');
    const b = await coordinatorClient(groupId, 'client-b');
    const aProtocols = protocols('a', ['sticky', 'roundrobin', 'range']);
    const bProtocols = protocols('b', ['range', 'roundrobin']);
    const a1 = await join(a, groupId, { protocols: aProtocols });
    expect(a1).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'sticky', leader: a1.memberId });
    await a.call(SyncGroup, { groupId, generationId: 1, memberId: a1.memberId, assignments: [] }, 3);

    const bFirst = await b.call(JoinGroup, joinBody(groupId, '', { protocols: bProtocols }), 5);
    const bJoined = b.call(JoinGroup, joinBody(groupId, bFirst.memberId, { protocols: bProtocols }), 5);
    // A learns of the rebalance from its heartbeat
    await eventually(async () => (await a.call(Heartbeat, { groupId, generationId: 1, memberId: a1.memberId }, 3)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
    const a2 = await a.call(JoinGroup, joinBody(groupId, a1.memberId, { protocols: aProtocols }), 5);
    const b2 = await bJoined;
    for (const r of [a2, b2]) expect(r).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin', leader: a1.memberId });
    expect(b2.members).toEqual([]);
    expect(a2.members.map((m) => [m.memberId, m.metadata.toString()])).toEqual([
      [a1.memberId, 'a:roundrobin'],
      [bFirst.memberId, 'b:roundrobin'],
    ]);

    const bSynced = b.call(SyncGroup, { groupId, generationId: 2, memberId: bFirst.memberId, assignments: [] }, 3);
    const assignments = [
      { memberId: a1.memberId, assignment: Buffer.from('for-a') },
      { memberId: bFirst.memberId, assignment: Buffer.from('for-b') },
    ];
    const aSynced = await a.call(SyncGroup, { groupId, generationId: 2, memberId: a1.memberId, assignments }, 3);
    expect(aSynced.assignment.toString()).toBe('for-a');
    // B can only know its assignment from the leader's SyncGroup
    expect((await bSynced).assignment.toString()).toBe('for-b');

    const described = await a.call(DescribeGroups, { groups: [groupId] }, 4);
    const g = described.groups[0];
    expect(g).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'roundrobin' });
    expect(g.members.map((m) => [m.memberId, m.clientId, m.memberMetadata.toString(), m.memberAssignment.toString()])).toEqual([
      [a1.memberId, 'client-a', 'a:roundrobin', 'for-a'],
      [bFirst.memberId, 'client-b', 'b:roundrobin', 'for-b'],
    ]);
  });

  it('a JoinGroup repeated before SyncGroup gets the same generation again; a Stable leader rejoining starts a rebalance', async () => {
    const groupId = newGroup('repeat');
    const c = await coordinatorClient(groupId);
    const first = await c.call(JoinGroup, joinBody(groupId, ''), 9);
    const joined = await c.call(JoinGroup, joinBody(groupId, first.memberId), 9);
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, skipAssignment: false });
    // the answer was "lost": the same join again, still owing the assignment
    const repeated = await c.call(JoinGroup, joinBody(groupId, first.memberId), 9);
    expect(repeated).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId, skipAssignment: false });
    expect(repeated.members.map((m) => m.memberId)).toEqual([first.memberId]);
    await c.call(SyncGroup, { groupId, generationId: 1, memberId: first.memberId, protocolType: 'consumer', protocolName: 'range', assignments: [] }, 5);
    const rejoined = await c.call(JoinGroup, joinBody(groupId, first.memberId), 9);
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 2 });
    const wrongProtocol = await c.call(SyncGroup, { groupId, generationId: 2, memberId: first.memberId, protocolType: 'consumer', protocolName: 'sticky', assignments: [] }, 5);
    expect(wrongProtocol.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('a member with no protocol in common with the group is refused with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const groupId = newGroup('inconsistent');
    const a = await coordinatorClient(groupId);
    await stableMember(a, groupId);
    const first = await a.call(JoinGroup, joinBody(groupId, '', { protocols: protocols('x', ['other']) }), 5);
    expect(first.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await a.call(JoinGroup, joinBody(groupId, '', { protocolType: 'connect' }), 5);
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('a static member rejoining with unchanged protocols replaces its old member id without a rebalance; the old id is fenced', async () => {
    const groupId = newGroup('static');
    const c = await coordinatorClient(groupId, 'static-client');
    const body = (memberId: string) => joinBody(groupId, memberId, { groupInstanceId: 'instance-1' });
    // static members need no MEMBER_ID_REQUIRED round trip
    const first = await c.call(JoinGroup, body(''), 5);
    expect(first).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId });
    expect(first.memberId).toMatch(/^instance-1-/);
    await c.call(SyncGroup, { groupId, generationId: 1, memberId: first.memberId, groupInstanceId: 'instance-1', assignments: [{ memberId: first.memberId, assignment: Buffer.from('mine') }] }, 3);

    const again = await c.call(JoinGroup, body(''), 9);
    expect(again.errorCode).toBe(0);
    // the leader keeps the assignment it made: nothing to assign (v9+ says so)
    expect(again.skipAssignment).toBe(true);
    expect(again.memberId).not.toBe(first.memberId);
    expect(again.generationId).toBe(1);
    expect(again.leader).toBe(again.memberId);
    const synced = await c.call(SyncGroup, { groupId, generationId: 1, memberId: again.memberId, groupInstanceId: 'instance-1', assignments: [] }, 3);
    expect(synced).toMatchObject({ errorCode: 0 });
    expect(synced.assignment.toString()).toBe('mine');

    const fencedBeat = await c.call(Heartbeat, { groupId, generationId: 1, memberId: first.memberId, groupInstanceId: 'instance-1' }, 3);
    expect(fencedBeat.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const fencedJoin = await c.call(JoinGroup, body(first.memberId), 5);
    expect(fencedJoin.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const beat = await c.call(Heartbeat, { groupId, generationId: 1, memberId: again.memberId, groupInstanceId: 'instance-1' }, 3);
    expect(beat.errorCode).toBe(0);

    const described = (await c.call(DescribeGroups, { groups: [groupId] }, 4)).groups[0];
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([[again.memberId, 'instance-1']]);

    // a static member leaves by instance id
    const left = await c.call(LeaveGroup, { groupId, members: [{ memberId: '', groupInstanceId: 'instance-1' }] }, 4);
    expect(left.members).toEqual([{ memberId: '', groupInstanceId: 'instance-1', errorCode: 0 }]);
    expect((await c.call(DescribeGroups, { groups: [groupId] }, 4)).groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('Heartbeat answers UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION; OffsetCommit refuses a stale generation with ILLEGAL_GENERATION', async () => {
    const groupId = newGroup('errors');
    const c = await coordinatorClient(groupId);
    const m = await stableMember(c, groupId);
    const beat = (generationId: number, memberId: string, group = groupId) => c.call(Heartbeat, { groupId: group, generationId, memberId }, 3).then((r) => r.errorCode);
    expect(await beat(1, m.memberId)).toBe(0);
    expect(await beat(1, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await beat(1, m.memberId, sameCoordinatorAs(groupId, 'no-such-group'))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await beat(0, m.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);

    const commit = (generationIdOrMemberEpoch: number, memberId: string, partitionIndex = 0) =>
      c
        .call(OffsetCommit, { groupId, generationIdOrMemberEpoch, memberId, topics: [{ name: TOPIC, partitions: [{ partitionIndex, committedOffset: 5n, committedMetadata: 'meta' }] }] }, 7)
        .then((r) => r.topics[0].partitions[0].errorCode);
    expect(await commit(0, m.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commit(1, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // a standalone commit is only for groups without members
    expect(await commit(-1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit(1, m.memberId, 9)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(cluster.state.offsets.fetch(groupId, TOPIC, 0)).toBeUndefined();
    expect(await commit(1, m.memberId)).toBe(0);
    expect(cluster.state.offsets.fetch(groupId, TOPIC, 0)).toMatchObject({ offset: 5n, metadata: 'meta' });
  });

  it('every group API sent to a broker that is not the coordinator answers NOT_COORDINATOR', async () => {
    const groupId = newGroup('elsewhere');
    const c = await brokerClient(otherBroker(cluster, groupId));
    const NOT = ErrorCode.NOT_COORDINATOR;
    expect((await c.call(JoinGroup, joinBody(groupId, ''), 5)).errorCode).toBe(NOT);
    expect((await c.call(SyncGroup, { groupId, generationId: 1, memberId: 'm', assignments: [] }, 3)).errorCode).toBe(NOT);
    expect((await c.call(Heartbeat, { groupId, generationId: 1, memberId: 'm' }, 3)).errorCode).toBe(NOT);
    expect((await c.call(LeaveGroup, { groupId, memberId: 'm' }, 1)).errorCode).toBe(NOT);
    const committed = await c.call(OffsetCommit, { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] }, 8);
    expect(committed.topics[0].partitions[0].errorCode).toBe(NOT);
    expect((await c.call(OffsetFetch, { groupId, topics: null }, 7)).errorCode).toBe(NOT);
    expect((await c.call(OffsetFetch, { groups: [{ groupId, topics: null }] }, 8)).groups[0].errorCode).toBe(NOT);
    expect((await c.call(DescribeGroups, { groups: [groupId] }, 5)).groups[0].errorCode).toBe(NOT);
    expect((await c.call(DeleteGroups, { groupsNames: [groupId] }, 2)).results[0].errorCode).toBe(NOT);
    expect(cluster.state.offsets.hasGroup(groupId)).toBe(false);
  });

  it('standalone commits; OffsetFetch answers -1 for partitions never committed, all committed ones for topics=null, and many groups from v8', async () => {
    const groupId = newGroup('standalone');
    const c = await coordinatorClient(groupId);
    const committed = await c.call(
      OffsetCommit,
      { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'hello' }] }] },
      8,
    );
    expect(committed.topics[0].partitions[0].errorCode).toBe(0);

    const named = await c.call(OffsetFetch, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] }, 7);
    expect(named.errorCode).toBe(0);
    expect(named.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode])).toEqual([
      [0, -1n, -1, '', 0],
      [1, 42n, 3, 'hello', 0],
    ]);
    const all = await c.call(OffsetFetch, { groupId, topics: null }, 5);
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([[TOPIC, [[1, 42n]]]]);
    const v1 = await c.call(OffsetFetch, { groupId, topics: [{ name: TOPIC, partitionIndexes: [1] }] }, 1);
    expect(v1.topics[0].partitions[0]).toMatchObject({ committedOffset: 42n, errorCode: 0 });

    // v8: several groups in one request (only those this broker coordinates answer offsets)
    const sameCoordinator = sameCoordinatorAs(groupId, 'other');
    const batched = await c.call(
      OffsetFetch,
      { groups: [{ groupId, topics: null }, { groupId: sameCoordinator, topics: [{ name: TOPIC, partitionIndexes: [0] }] }] },
      9,
    );
    expect(batched.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))])).toEqual([
      [groupId, 0, [[42n]]],
      [sameCoordinator, 0, [[-1n]]],
    ]);

    const listed = await c.call(ListGroups, {}, 3);
    expect(listed.groups).toContainEqual(expect.objectContaining({ groupId, protocolType: '' }));
    expect((await c.call(DescribeGroups, { groups: [groupId] }, 3)).groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('LeaveGroup triggers a rebalance: the remaining member hears REBALANCE_IN_PROGRESS and forms the next generation alone', async () => {
    const groupId = newGroup('leave');
    const a = await coordinatorClient(groupId);
    const b = await coordinatorClient(groupId);
    const a1 = await stableMember(a, groupId);
    const bFirst = await b.call(JoinGroup, joinBody(groupId, ''), 5);
    const bJoined = b.call(JoinGroup, joinBody(groupId, bFirst.memberId), 5);
    await eventually(async () => (await a.call(Heartbeat, { groupId, generationId: 1, memberId: a1.memberId }, 3)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
    await a.call(JoinGroup, joinBody(groupId, a1.memberId), 5);
    expect((await bJoined).generationId).toBe(2);

    const left = await b.call(LeaveGroup, { groupId, memberId: bFirst.memberId }, 2);
    expect(left.errorCode).toBe(0);
    expect((await a.call(Heartbeat, { groupId, generationId: 2, memberId: a1.memberId }, 3)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const a3 = await a.call(JoinGroup, joinBody(groupId, a1.memberId), 5);
    expect(a3).toMatchObject({ errorCode: 0, generationId: 3, leader: a1.memberId });
    expect(a3.members.map((m) => m.memberId)).toEqual([a1.memberId]);

    const unknown = await a.call(LeaveGroup, { groupId, members: [{ memberId: 'nobody', groupInstanceId: null }, { memberId: '', groupInstanceId: 'nobody' }] }, 5);
    expect(unknown.errorCode).toBe(0);
    expect(unknown.members.map((m) => m.errorCode)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  it('DeleteGroups: NON_EMPTY_GROUP while members remain; once empty the group and its offsets go; GROUP_ID_NOT_FOUND after', async () => {
    const groupId = newGroup('delete');
    const c = await coordinatorClient(groupId);
    const m = await stableMember(c, groupId);
    await c.call(OffsetCommit, { groupId, generationIdOrMemberEpoch: 1, memberId: m.memberId, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 7n }] }] }, 8);
    const del = () => c.call(DeleteGroups, { groupsNames: [groupId] }, 2).then((r) => r.results.map((x) => [x.groupId, x.errorCode]));
    expect(await del()).toEqual([[groupId, ErrorCode.NON_EMPTY_GROUP]]);
    const left = await c.call(LeaveGroup, { groupId, members: [{ memberId: m.memberId, groupInstanceId: null, reason: 'done' }] }, 5);
    expect(left.members.map((x) => x.errorCode)).toEqual([0]);
    expect((await c.call(DescribeGroups, { groups: [groupId] }, 5)).groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
    expect(await del()).toEqual([[groupId, 0]]);
    expect(cluster.state.offsets.hasGroup(groupId)).toBe(false);
    const fetched = await c.call(OffsetFetch, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0] }] }, 6);
    expect(fetched.topics[0].partitions[0].committedOffset).toBe(-1n);
    expect((await c.call(DescribeGroups, { groups: [groupId] }, 5)).groups[0]).toMatchObject({ errorCode: 0, groupState: 'Dead' });
    expect(await del()).toEqual([[groupId, ErrorCode.GROUP_ID_NOT_FOUND]]);
  });

  it('ListGroups names the groups each broker coordinates, with state and protocol type, filtered by state from v4', async () => {
    const stable = newGroup('list-stable');
    const empty = newGroup('list-empty');
    await stableMember(await coordinatorClient(stable), stable);
    const e = await coordinatorClient(empty);
    await e.call(OffsetCommit, { groupId: empty, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] }, 8);

    const perBroker = new Map<number, Array<{ groupId: string; groupState: string; protocolType: string }>>();
    for (const id of cluster.state.brokers.keys()) {
      const c = await brokerClient(id);
      perBroker.set(id, (await c.call(ListGroups, {}, 4)).groups);
      for (const g of perBroker.get(id) ?? []) expect(cluster.state.coordinatorFor(g.groupId)?.id).toBe(id);
    }
    const all = [...perBroker.values()].flat();
    expect(all).toContainEqual(expect.objectContaining({ groupId: stable, groupState: 'Stable', protocolType: 'consumer' }));
    expect(all).toContainEqual(expect.objectContaining({ groupId: empty, groupState: 'Empty', protocolType: '' }));

    const s = await coordinatorClient(stable);
    const onlyStable = (await s.call(ListGroups, { statesFilter: ['Stable'] }, 4)).groups;
    expect(onlyStable.some((g) => g.groupId === stable)).toBe(true);
    expect(onlyStable.every((g) => g.groupState === 'Stable')).toBe(true);
    const v5 = await s.call(ListGroups, { statesFilter: [], typesFilter: ['classic'] }, 5);
    expect(v5.groups).toContainEqual({ groupId: stable, protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' });
    expect((await s.call(ListGroups, { typesFilter: ['share'] }, 5)).groups).toEqual([]);
  });
});

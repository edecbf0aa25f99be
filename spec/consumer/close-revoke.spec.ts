import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { freezable, groupCluster } from './support.js';

const cfg = { groupId: 'g', topics: ['orders'], autoOffsetReset: 'earliest', autoCommitIntervalMs: 0, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000 } as const;

/** Found by the interop work: close() and the revoke barrier waiting on what was never handed out, a commit refused at close, and a member silent through a long revoke. Virtual time. */
describe('close and the revoke barrier (MockCluster, virtual time)', () => {
  it('close() does not wait for records fetched and handed to nobody (the subscriber left mid-batch)', async () => {
  const { time, client, produce, done } = await groupCluster(2);
  await produce(10);
  const a = client().consumer(cfg);
  await time.run(() => firstValueFrom(a.records$.pipe(take(1), toArray())));
  await time.advance(5_000);
  const started = time.now();
  await time.run(() => a.close());
  expect(time.now() - started).toBeLessThan(1_000);
  await done();
}, 60_000);

  it.each([
    ['its own default (30 s)', undefined, 30_000],
    ['client.close({ timeoutMs: 2000 })', 2_000, 2_000],
  ] as const)('client.close() closes its consumers as their own close() would: with %s to wait for unacked records', async (_what, timeoutMs, waited) => {
  const { time, client, produce, committed, done } = await groupCluster(1);
  await produce(3);
  const owner = client();
  const a = owner.consumer({ ...cfg, ack: 'manual' });
  const held = await time.run(() => firstValueFrom(a.records$.pipe(take(3), toArray())));
  held[0].ack(); // the other two are never acked
  const started = time.now();
  await time.run(() => owner.close(timeoutMs === undefined ? undefined : { timeoutMs }));
  const took = time.now() - started;
  // it waited out the bound for the two unacked records, then committed what was acked
  expect(took).toBeGreaterThanOrEqual(waited);
  expect(took).toBeLessThan(waited + 1_000);
  expect(committed('g', 0)).toBe(1n);
  await done();
}, 60_000);

  it('a final commit refused with REBALANCE_IN_PROGRESS at close() sends no JoinGroup', async () => {
  const { time, cluster, client, produce, done } = await groupCluster(2);
  await produce(10);
  const a = client().consumer(cfg);
  const frozen = freezable(cluster.transport);
  const b = client({ transport: frozen.transport }).consumer(cfg);
  let read = 0;
  a.records$.subscribe(() => read++);
  b.records$.subscribe(() => read++);
  await time.advance(10_000); // one generation of both; everything read
  expect(read).toBe(10);
  frozen.freeze(); // b hangs: a rebalance now waits for it until the rebalance timeout (60 s)
  const joins: number[] = [];
  cluster.requests$.subscribe((r) => { if (r.apiKey === 11) joins.push(time.now()); });
  cluster.injectErrors('OffsetCommit', [ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.REBALANCE_IN_PROGRESS]);
  await time.run(() => a.close());
  expect(joins).toEqual([]);
  await done();
}, 60_000);

  it('after a subscriber left mid-batch, the revoke barrier of a rebalance does not wait for records handed to nobody', async () => {
  const { time, client, produce, done } = await groupCluster(2);
  await produce(10);
  const a = client().consumer({ ...cfg, rebalanceTimeoutMs: 300_000 });
  const events: string[] = [];
  a.rebalances$.subscribe((e) => events.push(`${time.now()} a ${e.type} [${e.partitions.map((p) => p.partition).join(',')}]`));
  await time.run(() => firstValueFrom(a.records$.pipe(take(1), toArray())));
  a.rebalances$.subscribe(); // still a member; nobody reads its records any more
  await time.advance(5_000);
  const b = client().consumer(cfg);
  b.rebalances$.subscribe((e) => events.push(`${time.now()} b ${e.type} [${e.partitions.map((p) => p.partition).join(',')}]`));
  b.records$.subscribe();
  const joined = time.now();
  await time.advance(400_000);
  const bAssigned = events.find((e) => e.includes(' b assigned [') && !e.endsWith('[]'));
  expect(Number(bAssigned?.split(' ')[0]) - joined).toBeLessThan(30_000);
  await done();
}, 60_000);

  it('a member keeps heartbeating through a revoke that waits longer than its session: its partitions never have two owners', async () => {
  const { time, client, produce, done } = await groupCluster(2);
  await produce(10);
  // defaults: sessionTimeoutMs 45 s, rebalanceTimeoutMs 300 s, heartbeatIntervalMs 3 s
  const mk = () => client().consumer({ groupId: 'h', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual' });
  const a = mk();
  const events: string[] = [];
  a.rebalances$.subscribe((e) => events.push(`${time.now()} a ${e.type} [${e.partitions.map((p) => p.partition).join(',')}]`));
  const held = await time.run(() => firstValueFrom(a.records$.pipe(take(10), toArray())));
  const b = mk();
  b.rebalances$.subscribe((e) => events.push(`${time.now()} b ${e.type} [${e.partitions.map((p) => p.partition).join(',')}]`));
  b.records$.subscribe();
  await time.advance(60_000); // a's work on its records takes a minute (within the rebalance timeout)
  for (const r of held) r.ack();
  await time.advance(60_000);
  const aRevoked = events.find((e) => e.includes(' a revoked') || e.includes(' a lost'));
  const bFirst = events.find((e) => e.includes(' b assigned [') && !e.endsWith('[]'));
  expect(Number(bFirst?.split(' ')[0])).toBeGreaterThanOrEqual(Number(aRevoked?.split(' ')[0]));
  await done();
}, 60_000);
});

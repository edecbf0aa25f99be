import { concat, defer, filter, firstValueFrom, ignoreElements, mergeMap, of, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { RebalanceEvent } from '../../src/index.js';
import { freezable, groupCluster } from './support.js';

const log = (events: ReadonlyArray<{ who: string; e: RebalanceEvent }>) =>
  events.map(({ who, e }) => `${who} ${e.type} ${e.partitions.map((p) => p.partition).sort().join(',')}`);

describe('rebalances (MockCluster, virtual time)', () => {
  it('the revoke barrier: streams complete, acks are waited for, committed, and only then revoked and rejoined', async () => {
    const { time, client, produce, committed, done } = await groupCluster(2);
    await produce(10);
    const events: Array<{ at: number; who: string; e: RebalanceEvent }> = [];
    const a = client().consumer({ groupId: 'r', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    a.rebalances$.subscribe((e) => events.push({ at: time.now(), who: 'a', e }));
    const completed: string[] = [];
    a.partitions$
      .pipe(mergeMap((p) => concat(p.records$.pipe(ignoreElements()), defer(() => of(`${p.partition}@${time.now()}`)))))
      .subscribe((done) => completed.push(done));
    const held = await time.run(() => firstValueFrom(a.records$.pipe(take(10), toArray())));
    const b = client().consumer({ groupId: 'r', topics: ['orders'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 0 });
    b.rebalances$.subscribe((e) => events.push({ at: time.now(), who: 'b', e }));
    const bRecords: string[] = [];
    b.records$.subscribe((r) => bRecords.push(r.value?.toString() ?? ''));
    // a learns of the rebalance at its next heartbeat; its streams complete, it waits for acks
    await time.advance(10_000);
    expect(completed).toHaveLength(2);
    expect(log(events)).toEqual(['a assigned 0,1']);
    const ackedAt = time.now();
    for (const r of held) r.ack();
    await time.advance(60_000);
    // committed before revoked; b assigned after, from the committed offsets: nothing read twice
    const revoked = events.find((x) => x.who === 'a' && x.e.type === 'revoked');
    expect(revoked?.at).toBeGreaterThanOrEqual(ackedAt);
    expect(committed('r', 0)! + committed('r', 1)!).toBe(10n);
    const bAssigned = events.filter((x) => x.who === 'b' && x.e.type === 'assigned' && x.e.partitions.length > 0);
    expect(bAssigned.length).toBe(1);
    expect(bAssigned[0].at).toBeGreaterThanOrEqual(revoked!.at);
    expect(bRecords).toEqual([]);
    // each owns one partition now
    const owned = (name: string) => events.filter((x) => x.who === name).reduce((set, x) => {
      for (const p of x.e.partitions) {
        if (x.e.type === 'assigned') set.add(p.partition);
        else set.delete(p.partition);
      }
      return set;
    }, new Set<number>());
    expect([...owned('a'), ...owned('b')].sort()).toEqual([0, 1]);
    expect(owned('a').size).toBe(1);
    await done();
  }, 60_000);

  it('a member that stops without leaving loses its session; the others take over its partitions from the committed offsets', async () => {
    const { time, cluster, client, produce, done } = await groupCluster(4);
    await produce(40);
    const frozen = freezable(cluster.transport);
    const events: string[] = [];
    const a = client({ transport: frozen.transport }).consumer({ groupId: 's', topics: ['orders'], autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, autoCommitIntervalMs: 1000 });
    const b = client().consumer({ groupId: 's', topics: ['orders'], autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, autoCommitIntervalMs: 1000 });
    a.rebalances$.subscribe((e) => events.push(`a ${e.type} ${e.partitions.length}@${time.now()}`));
    b.rebalances$.subscribe((e) => events.push(`b ${e.type} ${e.partitions.length}@${time.now()}`));
    const values: string[] = [];
    a.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    b.records$.subscribe((r) => values.push(r.value?.toString() ?? ''));
    await time.run(() => firstValueFrom(b.rebalances$.pipe(filter((e) => e.type === 'assigned' && e.partitions.length === 2))));
    await time.advance(5000);
    expect(new Set(values).size).toBe(40);
    const frozenAt = time.now();
    frozen.freeze();
    await produce(20, 40);
    await time.advance(30_000);
    // b got all four partitions once a's session expired, and read the new records
    const takeOver = events.find((e) => e.startsWith('b assigned 4@') && Number(e.split('@')[1]) > frozenAt);
    expect(takeOver, events.join('\n')).toBeDefined();
    expect(Number(takeOver!.split('@')[1]) - frozenAt).toBeGreaterThanOrEqual(10_000 - 3000);
    expect(new Set(values).size).toBe(60);
    // the frozen member found itself out of the group: its partitions are lost, not revoked
    expect(events.some((e) => e.startsWith('a lost 2'))).toBe(true);
    await done();
  }, 60_000);
});

describe('static membership and cooperative rebalancing (MockCluster, virtual time)', () => {
  it('a static member that restarts within the session timeout gets its partitions back, and the others are not rebalanced', async () => {
    const { time, client, produce, done } = await groupCluster(4);
    await produce(8);
    const events: string[] = [];
    const member = (id: string) => {
      const c = client().consumer({ groupId: 'st', topics: ['orders'], groupInstanceId: id, autoOffsetReset: 'earliest', sessionTimeoutMs: 30_000 });
      c.rebalances$.subscribe((e) => events.push(`${id} ${e.type} ${e.partitions.map((p) => p.partition).sort().join(',')}`));
      c.records$.subscribe();
      return c;
    };
    const a = member('a');
    const b = member('b');
    await time.run(() => firstValueFrom(b.rebalances$.pipe(filter((e) => e.type === 'assigned' && e.partitions.length > 0))));
    await time.advance(5000);
    const before = [...events];
    const aHad = events.find((e) => e.startsWith('a assigned') && e !== 'a assigned ')!.split(' ')[2];
    // a closes (a static member does not leave) and comes back 10 s later, within its session
    await time.run(() => a.close());
    await time.advance(10_000);
    const a2 = member('a');
    await time.run(() => firstValueFrom(a2.rebalances$.pipe(filter((e) => e.type === 'assigned'))));
    await time.advance(10_000);
    const after = events.slice(before.length);
    expect(after).toContain(`a revoked ${aHad}`); // the old one's close
    expect(after).toContain(`a assigned ${aHad}`); // the same partitions, back
    expect(after.filter((e) => e.startsWith('b '))).toEqual([]); // b was not rebalanced
    await done();
  }, 60_000);

  it('with cooperative-sticky, a member joining never revokes a partition that stays with its owner', async () => {
    const { time, client, produce, done } = await groupCluster(6);
    await produce(60);
    const events: Array<{ who: string; e: RebalanceEvent }> = [];
    const member = (who: string) => {
      const c = client().consumer({ groupId: 'coop', topics: ['orders'], assignors: ['cooperative-sticky'], autoOffsetReset: 'earliest' });
      c.rebalances$.subscribe((e) => events.push({ who, e }));
      c.records$.subscribe();
      return c;
    };
    member('a');
    await time.advance(10_000);
    expect(log(events)).toEqual(['a assigned 0,1,2,3,4,5']);
    member('b');
    await time.advance(20_000);
    const revokedFromA = events.filter((x) => x.who === 'a' && x.e.type === 'revoked').flatMap((x) => x.e.partitions.map((p) => p.partition));
    const assignedToB = events.filter((x) => x.who === 'b' && x.e.type === 'assigned').flatMap((x) => x.e.partitions.map((p) => p.partition));
    // a gave up exactly what moved to b (three partitions), and kept the other three throughout
    expect(revokedFromA.sort()).toEqual(assignedToB.sort());
    expect(assignedToB).toHaveLength(3);
    expect(events.filter((x) => x.who === 'a' && x.e.type === 'lost')).toEqual([]);
    await done();
  }, 60_000);
});

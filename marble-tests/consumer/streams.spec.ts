import { concat, map, merge, mergeMap, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { advanceTo, expectRecorded, marbleCluster, record } from './helpers.js';

describe('consumer stream order (marbles, in-memory MockCluster on a TestScheduler)', () => {
  it('assigned comes before the records of a partition; on a lost session its stream completes and lost is told; assigned again before it is read again', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(1);
    await produce(['a', 'b']);
    const t0 = ts.now();
    const c = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000, autoCommitIntervalMs: 0 });
    // one merged stream: rebalances$, each partition's own records$ (and its end), records$
    const seen = record(
      ts,
      merge(
        c.rebalances$.pipe(map((e) => `${e.type}:${e.partitions.map((p) => p.partition).join('')}`)),
        c.partitions$.pipe(mergeMap((p) => concat(p.records$.pipe(map((r) => `p${p.partition}:${r.value?.toString()}`)), of(`end:${p.partition}`)))),
        c.records$.pipe(map((r) => `r:${r.value?.toString()}`)),
      ),
    );
    await advanceTo(ts, t0 + 3000);
    // the coordinator forgets the member: its heartbeat at 4000 hears so
    cluster.injectErrors('Heartbeat', [ErrorCode.UNKNOWN_MEMBER_ID]);
    await advanceTo(ts, t0 + 20_000);
    // no latency: the first generation and its fetch at 0, in order. The lost member joins again
    // at once, and is assigned when its old self's session ends (last heartbeat at 3000 + 10 s);
    // nothing was committed, so both records come again, after the new assigned
    const values = {
      A: 'assigned:0',
      a: 'r:a',
      x: 'p0:a',
      b: 'r:b',
      y: 'p0:b',
      E: 'end:0',
      L: 'lost:0',
    };
    expectRecorded(seen, '(Aaxby) 3993ms (EL) 8996ms (Aaxby)', values);
    await done();
  });

  it('a member joining is assigned before it reads its partition, though records wait there before the assignment', async () => {
    const { ts, client, produce, done } = await marbleCluster(2);
    const t0 = ts.now();
    const options = { groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000, autoCommitIntervalMs: 0 } as const;
    const owner = client().consumer(options);
    owner.records$.subscribe();
    await advanceTo(ts, t0 + 2000);
    const newcomer = client().consumer(options);
    const seen = record(
      ts,
      merge(
        newcomer.rebalances$.pipe(map((e) => `${e.type}:${e.partitions.length}`)),
        newcomer.records$.pipe(map((r) => `record:${r.value?.toString()}`)),
      ),
    );
    // the owner hears of the join at its heartbeat at 3000, gives both partitions up (eager) and
    // joins again; the new generation syncs at 3050. Meanwhile both partitions get a record
    await advanceTo(ts, t0 + 3010);
    await produce(['x0'], 0);
    await produce(['x1'], 1);
    await advanceTo(ts, t0 + 10_000);
    const frames = seen.frames.map((f) => (f.notification.kind === 'N' ? `${f.frame - t0} ${f.notification.value}` : f.notification.kind));
    // which partition it gets follows the member ids; it is assigned one, then reads its record
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe('3050 assigned:1');
    expect(frames[1]).toMatch(/^3050 record:x[01]$/);
    await done();
  });
});

import { filter, map } from 'rxjs';
import { describe, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { JoinGroup, OffsetCommit, type OffsetCommitRequest } from '../../src/protocol/messages/index.js';
import { advanceTo, expectRecorded, marbleCluster, record } from './helpers.js';

describe('commit retries (marbles, in-memory MockCluster on a TestScheduler)', () => {
  it('a refused auto-commit goes again at the next interval with the same offset, then nothing until acks move', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(1);
    await produce(['a', 'b', 'c']);
    const t0 = ts.now();
    const commits = record(
      ts,
      cluster.requests$.pipe(
        filter((r) => r.apiKey === OffsetCommit.apiKey),
        map((r) => String((r.body as OffsetCommitRequest).topics[0].partitions[0].committedOffset)),
      ),
    );
    cluster.injectErrors('OffsetCommit', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.REQUEST_TIMED_OUT]);
    const consumer = client().consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'earliest', ack: 'manual', autoCommitIntervalMs: 1000 });
    const held: Array<{ ack(): void }> = [];
    consumer.records$.subscribe((r) => held.push(r));
    await advanceTo(ts, t0 + 500);
    held[0].ack();
    held[1].ack();
    // refused at 1000 and 2000, landed at 3000; c acked at 3500 goes at 4000
    await advanceTo(ts, t0 + 3500);
    held[2].ack();
    await advanceTo(ts, t0 + 6500);
    expectRecorded(commits, '1000ms x 999ms x 999ms x 999ms y', { x: '2', y: '3' });
    await done();
  });

  it('a commit refused with REBALANCE_IN_PROGRESS goes again the moment the member has joined again, not an interval later', async () => {
    const { ts, cluster, client, produce, done } = await marbleCluster(1);
    await produce(['a', 'b']);
    const t0 = ts.now();
    const commits = record(
      ts,
      cluster.requests$.pipe(
        filter((r) => r.apiKey === OffsetCommit.apiKey),
        map((r) => `${(r.body as OffsetCommitRequest).generationIdOrMemberEpoch}`),
      ),
    );
    const joins = record(ts, cluster.requests$.pipe(filter((r) => r.apiKey === JoinGroup.apiKey), map(() => 'j')));
    cluster.injectErrors('OffsetCommit', [ErrorCode.REBALANCE_IN_PROGRESS]);
    const consumer = client().consumer({
      groupId: 'g',
      topics: ['t'],
      assignors: ['cooperative-sticky'],
      autoOffsetReset: 'earliest',
      autoCommitIntervalMs: 10_000,
      heartbeatIntervalMs: 3000,
      sessionTimeoutMs: 10_000,
    });
    consumer.records$.subscribe();
    await advanceTo(ts, t0 + 15_000);
    // joined at 0 (MEMBER_ID_REQUIRED, then again), generation 1; the commit at 10000 refused,
    // the member joins again at once (generation 2) and commits in it, within the same frame
    expectRecorded(joins, '(jj) 9996ms j'); // a group takes its 4 characters' frames
    expectRecorded(commits, '10000ms (ab)', { a: '1', b: '2' });
    await done();
  });
});

import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode, type TopicState } from '../../src/index.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

async function setup(metadataMaxAgeMs = 10_000) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions: 3, replicationFactor: 3 });
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, metadataMaxAgeMs });
  const lookups: number[] = [];
  const watchLookups = cluster.requests$.subscribe((r) => r.apiKey === Metadata.apiKey && lookups.push(time.now()));
  const seen: Array<{ at: number; state: TopicState }> = [];
  const sub = client.watchTopic('t').subscribe((state) => seen.push({ at: time.now(), state }));
  const leaders = () => seen.at(-1)?.state.metadata?.partitions.map((p) => p.leader);
  const done = async () => {
    sub.unsubscribe();
    watchLookups.unsubscribe();
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, seen, lookups, leaders, done };
}

describe('watchTopic', () => {
  it('fetches every metadataMaxAgeMs while watched, and emits only what changed', async () => {
    const { time, cluster, seen, lookups, leaders, done } = await setup(1000);
    await time.advance(0);
    expect(seen).toHaveLength(1);
    const before = leaders();
    await time.advance(3000);
    expect(lookups.filter((t) => t > 0)).toEqual([1000, 2000, 3000]);
    expect(seen).toHaveLength(1); // nothing changed
    cluster.moveLeader('t', 1, before?.[1] === 1 ? 2 : 1);
    await time.advance(1000);
    expect(seen).toHaveLength(2);
    expect(seen[1].at).toBe(4000);
    expect(leaders()?.[1]).not.toBe(before?.[1]);
    await done();
  });

  it('asks again soon after a leadership error is reported, no sooner than the retry backoff after the last lookup', async () => {
    const { time, client, cluster, lookups, leaders, done } = await setup();
    await time.advance(0);
    const before = leaders();
    cluster.moveLeader('t', 0, before?.[0] === 1 ? 2 : 1);
    await time.advance(30);
    expect(client.invalidateMetadata('t', ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(client.invalidateMetadata('t', ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    await time.advance(100);
    // the lookups: the first at 0, one more at 100 (the backoff from the first), not one per report
    expect(lookups).toEqual([0, 100]);
    expect(leaders()?.[0]).not.toBe(before?.[0]);
    await done();
  });

  it('asks again when a broker leading one of its partitions fails', async () => {
    const { time, cluster, client, leaders, done } = await setup();
    await time.advance(0);
    const dead = leaders()?.[2] ?? -1;
    cluster.setBrokerDown(dead);
    // any request to the failed broker: the refused connection marks what it leads stale
    await time.run(() =>
      new Promise<void>((resolve) => client.request({ nodeId: dead }, Metadata, { topics: [] }, { retry: false }).subscribe({ error: () => resolve(), complete: () => resolve() })),
    );
    await time.advance(100);
    expect(leaders()?.[2]).not.toBe(dead);
    await done();
  });

  it('stops looking up once nobody watches', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ network: 'memory', scheduler: time.scheduler });
    await cluster.createTopic('t');
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, metadataMaxAgeMs: 1000 });
    const lookups: number[] = [];
    const watchLookups = cluster.requests$.subscribe((r) => r.apiKey === Metadata.apiKey && lookups.push(time.now()));
    const first = client.watchTopic('t').subscribe();
    const second = client.watchTopic('t').subscribe();
    await time.advance(1500);
    first.unsubscribe();
    await time.advance(1000);
    expect(lookups).toEqual([0, 1000, 2000]); // one stream for both watchers, on while one watches
    second.unsubscribe();
    await time.advance(5000);
    expect(lookups).toEqual([0, 1000, 2000]);
    watchLookups.unsubscribe();
    await time.run(() => client.close());
    await cluster.stop();
  });
});

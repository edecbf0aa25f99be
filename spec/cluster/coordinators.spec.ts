import { firstValueFrom, zip } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode, type ClientConfig } from '../../src/index.js';
import { FindCoordinator } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime, type MockClusterOptions } from '../../src/testing/index.js';

/** A 3-broker cluster on the memory network and a client, on one virtual clock, with the FindCoordinator requests it reads. */
async function setup(options: MockClusterOptions = {}, config: Partial<ClientConfig> = {}) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler, ...options });
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, ...config });
  const finds: number[] = [];
  const sub = cluster.requests$.subscribe((r) => r.apiKey === FindCoordinator.apiKey && finds.push(r.apiVersion));
  const done = async () => {
    sub.unsubscribe();
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, finds, done };
}

const groups = ['billing', 'enricher', 'audit', 'search'];

describe('coordinator lookups', () => {
  it('asks for the keys looked up at the same moment in one batched FindCoordinator (v4+)', async () => {
    const { time, cluster, client, finds, done } = await setup();
    const ids = await time.run(() => firstValueFrom(zip(groups.map((g) => client.coordinator('group', g)))));
    expect(finds).toHaveLength(1);
    expect(finds[0]).toBeGreaterThanOrEqual(4);
    expect(ids).toEqual(groups.map((g) => cluster.state.coordinatorFor(g)?.id));
    // cached: asked again, nothing goes out
    await time.run(() => firstValueFrom(zip(groups.map((g) => client.coordinator('group', g)))));
    expect(finds).toHaveLength(1);
    await done();
  });

  it('keeps group and transaction keys apart, one request per key type', async () => {
    const { time, client, finds, done } = await setup();
    await time.run(() => firstValueFrom(zip([client.coordinator('group', 'a'), client.coordinator('transaction', 'a'), client.coordinator('group', 'b')])));
    expect(finds).toHaveLength(2);
    await done();
  });

  it('asks one key per request of a broker without the batched form, and still answers every key', async () => {
    const { time, cluster, client, finds, done } = await setup({ maxVersions: { FindCoordinator: 3 } });
    const ids = await time.run(() => firstValueFrom(zip(groups.map((g) => client.coordinator('group', g)))));
    expect(ids).toEqual(groups.map((g) => cluster.state.coordinatorFor(g)?.id));
    expect(finds.every((v) => v === 3)).toBe(true);
    // the first batch carried one key; the others were asked one by one, with no backoff between
    expect(finds).toHaveLength(groups.length);
    expect(time.now()).toBeLessThan(100);
    await done();
  });

  it('asks again, after a backoff, for keys the broker could not place yet; retries due together go together', async () => {
    const { time, cluster, client, finds, done } = await setup({}, { retry: { jitter: 0 } });
    cluster.injectErrors('FindCoordinator', [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    const ids = await time.run(() => firstValueFrom(zip(groups.slice(0, 2).map((g) => client.coordinator('group', g)))));
    expect(ids).toEqual(groups.slice(0, 2).map((g) => cluster.state.coordinatorFor(g)?.id));
    // the injected error failed both keys of the first batch; their retries, due at the same
    // moment without jitter, went in one request
    expect(finds).toHaveLength(2);
    expect(time.now()).toBe(100);
    await done();
  });

  it('asks again, after a growing backoff, while the coordinator is still loading (COORDINATOR_LOAD_IN_PROGRESS)', async () => {
    const { time, cluster, client, finds, done } = await setup({}, { retry: { jitter: 0 } });
    cluster.injectErrors('FindCoordinator', [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    const at: number[] = [];
    const sub = cluster.requests$.subscribe((r) => r.apiKey === FindCoordinator.apiKey && at.push(time.now()));
    const id = await time.run(() => firstValueFrom(client.coordinator('group', 'billing')));
    sub.unsubscribe();
    expect(id).toBe(cluster.state.coordinatorFor('billing')?.id);
    // refused twice, then answered: asked again after 100 ms, then after 200 ms more
    expect(finds).toHaveLength(3);
    expect(at).toEqual([0, 100, 300]);
    await done();
  });
});

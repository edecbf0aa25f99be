import { firstValueFrom, interval } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, RequestTimeoutError } from '../../src/index.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { compress, CompressionId, decompress } from '../../src/protocol/compression/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/** A client and a 3-broker MockCluster on the memory network, sharing one virtual clock. */
async function setup(seedLatencyMs = 0) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions: 3, replicationFactor: 3 });
  if (seedLatencyMs > 0) for (const id of [1, 2, 3]) cluster.setLatency(id, seedLatencyMs);
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
  return { time, cluster, client };
}

describe('whole-client virtual time on the memory network', () => {
  it('produces through a 200 ms latency in exact virtual time, with no sockets', async () => {
    const { time, cluster, client } = await setup(200);
    const producer = client.producer({ lingerMs: 5 });
    const metas = await time.run(() => producer.send(Array.from({ length: 1000 }, (_, i) => ({ topic: 't', key: `k${i}`, value: `v${i}` }))));
    expect(metas).toHaveLength(1000);
    expect([0, 1, 2].reduce((n, p) => n + cluster.records('t', p).length, 0)).toBe(1000);
    // ApiVersions, Metadata, InitProducerId, Produce: each round trip costs exactly 200 ms of
    // virtual time (several run at once across brokers), plus linger
    expect(time.now()).toBeGreaterThanOrEqual(4 * 200 + 5);
    expect(time.now() % 5).toBe(0);
    await time.run(() => client.close());
    await cluster.stop();
  });

  it('a 30 s request timeout passes in virtual time against a broker that does not answer', async () => {
    const { time, cluster, client } = await setup();
    await time.run(() => client.metadata()); // connected: the handshake is behind us
    cluster.setLatency(1, 600_000);
    const started = time.now();
    const error = await time.run(() =>
      firstValueFrom(client.request({ address: cluster.bootstrap[0] }, Metadata, { topics: [] }, { retry: false })).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(time.now() - started).toBe(30_000);
    await time.run(() => client.close());
    await cluster.stop();
  });

  it('refuses a connection to an address nobody listens on, as TCP does', async () => {
    const { time, cluster, client } = await setup();
    const other = createClient({ brokers: ['nowhere.mock:9092'], transport: cluster.transport, scheduler: time.scheduler, retry: { maxRetries: 0 } });
    const error = (await time.run(() => other.metadata().catch((e: unknown) => e))) as Error;
    expect(error.message).toMatch(/ECONNREFUSED nowhere\.mock:9092/);
    await time.run(() => Promise.all([other.close(), client.close()]));
    await cluster.stop();
  });
});

describe('virtual time and codec work on the thread pool', () => {
  it('run() fires no timer while a codec call is under way: a poll every 10 ms does not run past a decompression', async () => {
    const time = virtualTime();
    const plain = Buffer.from('x'.repeat(1 << 20));
    const packed = await compress('gzip', plain);
    let polls = 0;
    const poll = interval(10, time.scheduler).subscribe(() => polls++);
    const out = await time.run(async () => {
      const result = await decompress(CompressionId.gzip, packed);
      return { result, at: time.now() };
    });
    poll.unsubscribe();
    expect(out.result.equals(plain)).toBe(true);
    // the decompression took real time, none of it virtual
    expect(out.at).toBe(0);
    expect(polls).toBe(0);
  });

  it('advance() waits for codec work before each timer it fires', async () => {
    const time = virtualTime();
    const packed = await compress('gzip', Buffer.alloc(1 << 20));
    const seen: number[] = [];
    const done = decompress(CompressionId.gzip, packed).then(() => seen.push(time.now()));
    await time.advance(1000);
    await done;
    expect(seen).toEqual([0]);
    expect(time.now()).toBe(1000);
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, KafkaConfigError, type BrokerStats, type ClientConfig, type KafkaClient } from '../../src/index.js';
import { Fetch, Metadata } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime, type VirtualTime } from '../../src/testing/index.js';

/** A one-broker MockCluster and a client on the memory network, on one virtual clock. */
async function setup(config: Partial<ClientConfig> = {}) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 1, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t');
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, ...config });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, done };
}

/**
 * A Fetch from `offset` (default 0, the end of an empty log): at the log's end the broker holds
 * it until a record comes or maxWaitMs passes, as a consumer's long poll.
 */
const longPoll = (client: KafkaClient, maxWaitMs: number, offset = 0n) =>
  firstValueFrom(
    client.request(
      { nodeId: 1 },
      Fetch,
      { maxWaitMs, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }] },
      { maxVersion: 12 },
    ),
  );

const metadataOf = (client: KafkaClient) => firstValueFrom(client.request({ nodeId: 1 }, Metadata, { topics: [{ name: 't' }] }));

/** When `work` settles, in virtual time. */
const settledAt = (time: VirtualTime, work: Promise<unknown>) => work.then(() => time.now());

const broker = async (client: KafkaClient): Promise<BrokerStats> => {
  const stats = await firstValueFrom(client.stats$);
  const b = stats.brokers.find((x) => x.nodeId === 1);
  if (b === undefined) throw new Error('broker 1 is not in stats$');
  return b;
};

describe('connection pool', () => {
  it('answers produce and metadata requests at once while a 2 s Fetch long poll waits on the same broker', async () => {
    const { time, client, done } = await setup();
    const producer = client.producer({ lingerMs: 0 });
    await time.run(() => producer.send({ topic: 't', value: 'warm up' })); // metadata, producer id: behind us
    const start = time.now();
    const fetched = settledAt(time, longPoll(client, 2000, 1n));
    await time.advance(100);
    const produced = settledAt(time, producer.send({ topic: 't', partition: 0, value: 'not held up' }));
    const described = settledAt(time, metadataOf(client));
    expect(await time.run(() => produced)).toBe(start + 100);
    expect(await time.run(() => described)).toBe(start + 100);
    // the record it waited for came in the same virtual millisecond
    expect(await time.run(() => fetched)).toBe(start + 100);

    // and a poll that finds nothing waits out its 2 s without holding the others up
    const emptyPoll = settledAt(time, longPoll(client, 2000, 2n));
    const pollStart = time.now();
    await time.advance(500);
    expect(await time.run(() => settledAt(time, metadataOf(client)))).toBe(pollStart + 500);
    expect(await time.run(() => emptyPoll)).toBe(pollStart + 2000);
    expect((await broker(client)).connectionsByPurpose).toEqual({ control: 1, fetch: 1, group: 0, produce: 1 });
    await done();
  });

  it('with one connection per broker, the same metadata request waits behind the long poll', async () => {
    const { time, client, done } = await setup({ maxConnectionsPerBroker: 1 });
    await time.run(() => metadataOf(client));
    const start = time.now();
    const fetched = settledAt(time, longPoll(client, 2000));
    await time.advance(100);
    const described = settledAt(time, metadataOf(client));
    expect(await time.run(() => described)).toBe(start + 2000);
    expect(await time.run(() => fetched)).toBe(start + 2000);
    expect((await broker(client)).connectionsByPurpose).toEqual({ control: 1, fetch: 0, group: 0, produce: 0 });
    await done();
  });

  it('gives purposes beyond maxConnectionsPerBroker the control connection, in the documented order', async () => {
    const { time, client, done } = await setup({ maxConnectionsPerBroker: 2 });
    const producer = client.producer({ lingerMs: 0 });
    await time.run(() => producer.send({ topic: 't', value: 'x' }));
    await time.run(() => longPoll(client, 0));
    const b = await broker(client);
    expect(b.connectionsByPurpose).toEqual({ control: 1, fetch: 1, group: 0, produce: 0 });
    expect(b.connections).toBe(2);
    await done();
  });

  it('closes a connection idle for connectionIdleTimeoutMs, counted from its last request', async () => {
    const { time, client, done } = await setup({ connectionIdleTimeoutMs: 1000 });
    await time.run(() => metadataOf(client));
    const opened = time.now();
    await time.advance(600);
    await time.run(() => metadataOf(client)); // the deadline moves to 600 + 1000
    await time.advance(999);
    expect((await broker(client)).connections).toBe(1);
    await time.advance(1);
    expect(time.now() - opened).toBe(1600);
    expect((await broker(client)).connections).toBe(0);
    // the next request opens another
    await time.run(() => metadataOf(client));
    expect((await broker(client)).connections).toBe(1);
    await done();
  });

  it('does not close a connection as idle while a request is under way on it', async () => {
    const { time, client, done } = await setup({ connectionIdleTimeoutMs: 1000 });
    await time.run(() => longPoll(client, 0));
    const fetched = longPoll(client, 3000);
    await time.advance(2500);
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(1);
    await time.run(() => fetched);
    await time.advance(999);
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(1);
    await time.advance(1);
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(0);
    await done();
  });

  it('recycles a connection after connectionMaxLifetimeMs, once nothing is under way on it', async () => {
    const { time, cluster, client, done } = await setup({ connectionMaxLifetimeMs: 5000 });
    const handshakes: number[] = [];
    const watch = cluster.requests$.subscribe((r) => {
      if (r.apiKey === 18) handshakes.push(time.now()); // ApiVersions: a new connection
    });
    await time.run(() => longPoll(client, 0));
    const opened = time.now();
    const longOne = settledAt(time, longPoll(client, 3000));
    await time.advance(4000);
    // past its lifetime while the 3 s poll is on it: new requests get a new connection
    await time.advance(1000);
    // the poll ended at 3 s, so it closed at 5 s on the spot, before anything asked for it
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(0);
    const next = settledAt(time, longPoll(client, 0));
    expect(await time.run(() => next)).toBe(opened + 5000);
    expect(await longOne).toBe(opened + 3000);
    expect(handshakes.filter((t) => t === opened + 5000)).toHaveLength(1);
    watch.unsubscribe();
    await done();
  });

  it('lets a connection past its lifetime finish what it carries while its replacement takes new requests', async () => {
    const { time, client, done } = await setup({ connectionMaxLifetimeMs: 2000 });
    await time.run(() => longPoll(client, 0));
    const opened = time.now();
    const held = settledAt(time, longPoll(client, 3000));
    await time.advance(2500); // past the lifetime, the poll still on it
    const fresh = settledAt(time, longPoll(client, 0));
    expect(await time.run(() => fresh)).toBe(opened + 2500);
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(2);
    expect(await time.run(() => held)).toBe(opened + 3000);
    expect((await broker(client)).connectionsByPurpose.fetch).toBe(1);
    await done();
  });

  it('counts connections per purpose on stats$ as they open and close', async () => {
    const { time, client, done } = await setup({ connectionIdleTimeoutMs: 1000 });
    const seen: Array<BrokerStats['connectionsByPurpose']> = [];
    const sub = client.stats$.subscribe((s) => {
      const b = s.brokers.find((x) => x.nodeId === 1);
      if (b !== undefined) seen.push(b.connectionsByPurpose);
    });
    await time.run(() => metadataOf(client));
    await time.run(() => longPoll(client, 0));
    await time.advance(1000);
    sub.unsubscribe();
    expect(seen).toContainEqual({ control: 1, fetch: 1, group: 0, produce: 0 });
    expect(seen.at(-1)).toEqual({ control: 0, fetch: 0, group: 0, produce: 0 });
    await done();
  });

  it('rejects pool options out of range, by name', () => {
    const brokers = ['127.0.0.1:9092'];
    expect(() => createClient({ brokers, maxConnectionsPerBroker: 0 })).toThrow(KafkaConfigError);
    expect(() => createClient({ brokers, maxConnectionsPerBroker: 5 })).toThrow(/maxConnectionsPerBroker/);
    expect(() => createClient({ brokers, connectionIdleTimeoutMs: 0 })).toThrow(/connectionIdleTimeoutMs/);
    expect(() => createClient({ brokers, connectionMaxLifetimeMs: 1.5 })).toThrow(/connectionMaxLifetimeMs/);
  });
});

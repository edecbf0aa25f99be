import * as net from 'node:net';
import { once } from 'node:events';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AllBrokersUnavailableError, ClientClosedError } from '../../src/cluster/index.js';
import {
  createClient,
  EncodingError,
  KafkaConnectionError,
  KafkaProtocolError,
  ProducerClosedError,
  RequestTimeoutError,
  SaslAuthenticationError,
  type KafkaClient,
} from '../../src/index.js';
import { MemoryNetwork, MockCluster, virtualTime } from '../../src/testing/index.js';
import { ApiVersions, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { FakeBroker } from '../support/fake-broker.js';
import { SPOILED_ANSWERS } from '../support/spoiled-answers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A broker that answers Metadata naming itself as node `id`, with one topic of two partitions. */
async function metadataBroker(id: number, leaderOf: () => number = () => id): Promise<FakeBroker> {
  const broker = await FakeBroker.start({
    handle: (f) => {
      const body = f.body as { topics: Array<{ name: string }> | null };
      const names = body.topics === null ? ['orders'] : body.topics.map((t) => t.name);
      return {
        body: {
          brokers: [{ nodeId: id, host: '127.0.0.1', port: broker.port, rack: null }],
          clusterId: 'fake',
          controllerId: id,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            partitions: [0, 1].map((p) => ({
              errorCode: 0,
              partitionIndex: p,
              leaderId: leaderOf(),
              replicaNodes: [id],
              isrNodes: [id],
            })),
          })),
        },
      };
    },
  });
  cleanups.push(() => broker.stop());
  return broker;
}

async function deadPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function client(brokers: string[], extra: Partial<Parameters<typeof createClient>[0]> = {}): KafkaClient {
  const c = createClient({ brokers, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 }, ...extra });
  cleanups.push(() => c.close());
  return c;
}

const metadataRequests = (b: FakeBroker) => b.requests.filter((r) => r.apiKey === Metadata.apiKey).length;

describe('client', () => {
  it('reports brokers, topics, partitions, leaders, replicas and isr', async () => {
    const broker = await metadataBroker(7);
    const meta = await client([`127.0.0.1:${broker.port}`]).metadata(['orders']);
    expect(meta.brokers).toEqual([{ id: 7, host: '127.0.0.1', port: broker.port, rack: null }]);
    expect(meta.clusterId).toBe('fake');
    expect(meta.topics).toHaveLength(1);
    expect(meta.topics[0]).toMatchObject({ name: 'orders', error: null });
    expect(meta.topics[0].partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual([
      [0, 7, [7], [7]],
      [1, 7, [7], [7]],
    ]);
  });

  it('fails over from a bootstrap broker that does not answer to the next one', async () => {
    const broker = await metadataBroker(1);
    const meta = await client([`127.0.0.1:${await deadPort()}`, `127.0.0.1:${broker.port}`]).metadata();
    expect(meta.brokers.map((b) => b.id)).toEqual([1]);
  });

  it('raises AllBrokersUnavailableError naming every broker tried when none answers', async () => {
    const ports = [await deadPort(), await deadPort()];
    const c = client(ports.map((p) => `127.0.0.1:${p}`), { circuitBreaker: { failureThreshold: 100 } });
    const error: unknown = await c.metadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllBrokersUnavailableError);
    expect([...(error as AllBrokersUnavailableError).failures.keys()].sort()).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort());
  });

  it('with nothing listening, names each broker\'s real failure (connection refused), not the open circuit', async () => {
    const ports = [await deadPort(), await deadPort()];
    // the circuits open on the first pass, so later passes fail fast with CircuitOpenError
    const c = client(ports.map((p) => `127.0.0.1:${p}`), { circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 } });
    const error = (await c.metadata().catch((e: unknown) => e)) as AllBrokersUnavailableError;
    expect(error).toBeInstanceOf(AllBrokersUnavailableError);
    const failures = [...error.failures.values()];
    expect(failures).toHaveLength(2);
    for (const f of failures) {
      expect(f).toBeInstanceOf(KafkaConnectionError);
      expect((f as KafkaConnectionError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
    expect(error.message).toMatch(/^no broker available: 127\.0\.0\.1:\d+: connect failed: connect ECONNREFUSED/);
    expect(error.cause).toBe(failures[0]);
    // again, now against open circuits only: still the real cause
    await expect(c.metadata()).rejects.toThrow(/ECONNREFUSED/);
    const stats = await firstValueFrom(c.stats$);
    expect(stats.brokers.every((b) => b.circuit === 'open')).toBe(true);
  });

  it('names a broker that takes the connection but never answers: its request timed out, in virtual time', async () => {
    const time = virtualTime();
    const network = new MemoryNetwork();
    // accepts, reads, and says nothing; the other address has nobody listening
    network.listen('silent.mock', 9092, (socket) => socket.onData(() => undefined));
    const c = client(['silent.mock:9092', 'refused.mock:9092'], {
      transport: network.transport,
      scheduler: time.scheduler,
      requestTimeoutMs: 200,
      circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 },
    });
    const error = (await time.run(() => c.metadata().catch((e: unknown) => e))) as AllBrokersUnavailableError;
    expect(error).toBeInstanceOf(AllBrokersUnavailableError);
    const silent = error.failures.get('silent.mock:9092');
    expect(silent).toBeInstanceOf(RequestTimeoutError);
    expect((silent as RequestTimeoutError).message).toMatch(/^silent\.mock:9092: \w+ request timed out after 200 ms$/);
    expect(error.failures.get('refused.mock:9092')).toBeInstanceOf(KafkaConnectionError);
    expect(error.message).toMatch(/silent\.mock:9092: \w+ request timed out after 200 ms/);
    expect(error.message).toMatch(/refused\.mock:9092: .*ECONNREFUSED/);
  });

  it('with a wrong SASL password, the SASL failure is what the caller gets, not an open circuit or "no broker available"', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 2, network: 'memory', scheduler: time.scheduler, sasl: { mechanisms: ['SCRAM-SHA-256'], users: { alice: 'right' } } });
    cleanups.push(() => cluster.stop());
    const c = client(['refused.mock:9092', ...cluster.bootstrap], {
      transport: cluster.transport,
      scheduler: time.scheduler,
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'wrong' },
      circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 },
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error: unknown = await time.run(() => c.metadata().catch((e: unknown) => e));
      expect(error).toBeInstanceOf(SaslAuthenticationError);
      expect((error as SaslAuthenticationError).message).toMatch(/^broker-\d\.mock:9092: /);
    }
  });

  it('serves metadata from cache within its TTL and fetches again after invalidation on a leadership error', async () => {
    const broker = await metadataBroker(1);
    const c = client([`127.0.0.1:${broker.port}`]);
    await c.metadata(['orders']);
    await c.metadata(['orders']);
    expect(metadataRequests(broker)).toBe(1);
    expect(c.invalidateMetadata('orders', 29)).toBe(false); // TOPIC_AUTHORIZATION_FAILED says nothing of leaders
    await c.metadata(['orders']);
    expect(metadataRequests(broker)).toBe(1);
    expect(c.invalidateMetadata('orders', 6)).toBe(true); // NOT_LEADER_OR_FOLLOWER
    await c.metadata(['orders']);
    expect(metadataRequests(broker)).toBe(2);
  });

  it('fetches again once the TTL has passed', async () => {
    const broker = await metadataBroker(1);
    const c = client([`127.0.0.1:${broker.port}`], { metadataMaxAgeMs: 0 });
    await c.metadata(['orders']);
    await c.metadata(['orders']);
    expect(metadataRequests(broker)).toBe(2);
  });

  it('finds the leader of a partition and routes a request to a broker by id', async () => {
    const broker = await metadataBroker(3);
    const c = client([`127.0.0.1:${broker.port}`]);
    expect(await firstValueFrom(c.leaderFor('orders', 1))).toBe(3);
    const res = await firstValueFrom(c.request({ nodeId: 3 }, Metadata, { topics: [{ name: 'x' }] }));
    expect(res.topics[0].name).toBe('x');
  });

  it('fails a request whose body cannot be encoded with EncodingError at once, its cause the encoder\'s: not sent, not retried, the broker not blamed', async () => {
    const broker = await metadataBroker(1);
    const c = client([`127.0.0.1:${broker.port}`], { circuitBreaker: { failureThreshold: 1 } });
    // timeoutMs is an int32
    const body = { acks: 1, timeoutMs: 2 ** 40, topicData: [] };
    const error: unknown = await firstValueFrom(c.request({ address: `127.0.0.1:${broker.port}` }, Produce, body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodingError);
    expect((error as EncodingError).cause).toBeInstanceOf(RangeError);
    expect((error as EncodingError).retriable).toBe(false);
    expect(broker.requests.filter((r) => r.apiKey === Produce.apiKey)).toHaveLength(0);
    const stats = await firstValueFrom(c.stats$);
    expect(stats.brokers[0]).toMatchObject({ circuit: 'closed', connections: 1 });
  });

  it('shows each broker on stats$: circuit, connections and request counts', async () => {
    const broker = await metadataBroker(1);
    const c = client([`127.0.0.1:${broker.port}`]);
    await c.metadata(['orders']);
    const stats = await firstValueFrom(c.stats$);
    expect(stats.brokers).toEqual([
      { nodeId: 1, address: `127.0.0.1:${broker.port}`, circuit: 'closed', connections: 1, connectionsByPurpose: { control: 1, fetch: 0, group: 0, produce: 0 }, inFlight: 0, requests: 1, errors: 0 },
    ]);
  });

  it('opens a broker circuit after the configured failures and fails fast while open', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ network: 'memory', scheduler: time.scheduler });
    cleanups.push(() => cluster.stop());
    const address = 'nowhere.mock:9092'; // nobody listens: every connection is refused
    const c = createClient({
      brokers: [address],
      transport: cluster.transport,
      scheduler: time.scheduler,
      random: () => 0.5, // backoffs at their nominal values
      retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 60_000 },
    });
    cleanups.push(() => time.run(() => c.close()));
    const ask = () =>
      time.run(() =>
        firstValueFrom(c.request({ address }, Metadata, {})).then(
          () => new Error('answered'),
          (e: unknown) => e as Error,
        ),
      );
    const circuit = () => firstValueFrom(c.stats$).then((s) => s.brokers.find((b) => b.address === address)?.circuit);
    expect((await ask()).message).toMatch(/ECONNREFUSED/);
    // asked again within the reconnect backoff: the same failure, without trying, not counted
    expect((await ask()).message).toMatch(/ECONNREFUSED/);
    expect(await circuit()).toBe('closed');
    await time.advance(50); // the backoff after one failure
    expect((await ask()).message).toMatch(/ECONNREFUSED/);
    expect(await circuit()).toBe('open');
    expect((await ask()).message).toMatch(/circuit open.*ECONNREFUSED/);
  });

  it('fails a request still under way with ClientClosedError when the client closes', async () => {
    // accepts connections and never answers: the metadata request stays under way
    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      silent.close();
      await once(silent, 'close');
    });
    const c = client([`127.0.0.1:${(silent.address() as net.AddressInfo).port}`]);
    const pending = c.metadata().catch((e: unknown) => e);
    await once(silent, 'connection');
    await c.close();
    expect(await pending).toBeInstanceOf(ClientClosedError);
  });

  it('closes its producers first, flushing what they hold, and refuses new ones', async () => {
    const cluster = await MockCluster.start();
    cleanups.push(() => cluster.stop());
    const c = client(cluster.bootstrap);
    const producer = c.producer({ lingerMs: 60_000 });
    const lingering = producer.send({ topic: 't', value: 'v' });
    await c.close();
    expect((await lingering).offset).toBe(0n);
    expect(cluster.records('t', 0)).toHaveLength(1);
    expect(() => c.producer()).toThrow(ClientClosedError);
    await expect(producer.send({ topic: 't', value: 'w' })).rejects.toBeInstanceOf(ProducerClosedError);
  });

  it('refuses records from the moment a producer starts closing, however it is closed', async () => {
    const cluster = await MockCluster.start();
    cleanups.push(() => cluster.stop());
    for (const how of ['producer', 'client'] as const) {
      const c = client(cluster.bootstrap);
      const producer = c.producer({ lingerMs: 60_000 });
      const before = producer.send({ topic: 't', value: 'before' });
      const closing = how === 'producer' ? producer.close() : c.close();
      await expect(producer.send({ topic: 't', value: 'after' }), how).rejects.toBeInstanceOf(ProducerClosedError);
      await closing;
      expect((await before).offset).toBeGreaterThanOrEqual(0n);
    }
    expect(cluster.records('t', 0).map((r) => r.value?.toString())).toEqual(['before', 'before']);
  });

  it('reports a child that fails to close, after closing everything else', async () => {
    const broker = await metadataBroker(1);
    // not through client(): its cleanup would close it again, and hear the failure again
    const c = createClient({ brokers: [`127.0.0.1:${broker.port}`] });
    await c.metadata();
    const failure = new Error('could not close');
    c.own({ close: () => Promise.reject(failure) });
    await expect(c.close()).rejects.toBe(failure);
    await expect(c.metadata()).rejects.toBeInstanceOf(ClientClosedError);
    expect((await firstValueFrom(c.stats$)).brokers.every((b) => b.connections === 0)).toBe(true);
  });

  it('rejects every request after close', async () => {
    const broker = await metadataBroker(1);
    const c = client([`127.0.0.1:${broker.port}`]);
    await c.close();
    await expect(c.metadata()).rejects.toThrow(/closed/);
  });
});

describe('client, when an answer does not decode', () => {
  it.each(SPOILED_ANSWERS)('fails the request with KafkaProtocolError at once when its answer is %s, and answers the next one on a new connection', async (_what, spoil) => {
    const sockets: net.Socket[] = [];
    const broker = await FakeBroker.start({
      handle: (f, socket) => {
        sockets.push(socket);
        const answer = FakeBroker.frameFor(Metadata.apiKey, f.apiVersion, f.correlationId, {
          brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
          topics: [{ errorCode: 0, name: `answer${sockets.length}`, partitions: [] }],
        });
        return { raw: sockets.length === 1 ? spoil(answer) : answer };
      },
    });
    cleanups.push(() => broker.stop());
    // a request left hanging would end with RequestTimeoutError instead, after a minute
    const c = client([`127.0.0.1:${broker.port}`], { requestTimeoutMs: 60_000 });
    const to = { address: `127.0.0.1:${broker.port}` };
    const error: unknown = await firstValueFrom(c.request(to, Metadata, { topics: [{ name: 'x' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaProtocolError);
    const res = await firstValueFrom(c.request(to, Metadata, { topics: [{ name: 'x' }] }));
    expect(res.topics[0].name).toBe('answer2');
    // not retried, and the next request went on a connection of its own, with its own handshake
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).not.toBe(sockets[0]);
    expect(broker.requests.filter((r) => r.apiKey === ApiVersions.apiKey)).toHaveLength(2);
  });
});

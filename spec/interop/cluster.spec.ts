import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { CircuitOpenError } from '../../src/operators/circuit-breaker.js';
import { Metadata } from '../../src/protocol/messages/index.js';
import { describeInterop, kcatMetadata, startRdkafkaMock, type RdkafkaMock } from './harness.js';

describeInterop("cluster layer against librdkafka's mock cluster", ['librdkafka', 'kcat'], () => {
  let mock: RdkafkaMock;
  let client: KafkaClient;

  beforeAll(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'orders', partitions: 6, replicationFactor: 3 }] });
    client = createClient({
      brokers: [...mock.bootstrap],
      retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 300 },
      connectionTimeoutMs: 5000,
    });
  });

  afterAll(async () => {
    await client?.close();
    await mock?.stop();
  });

  it('reports the 3 brokers and the same partitions and leaders kcat sees', async () => {
    const meta = await client.metadata(['orders']);
    expect(meta.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    const ports = new Set(mock.bootstrap.map((b) => Number(b.split(':').pop())));
    expect(new Set(meta.brokers.map((b) => b.port))).toEqual(ports);
    const topic = meta.topics.find((t) => t.name === 'orders');
    expect(topic?.error).toBeNull();
    expect(topic?.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);

    const peer = await kcatMetadata({ brokers: mock.bootstrap, topic: 'orders' });
    const theirs = peer.topics.find((t) => t.topic === 'orders');
    expect(theirs).toBeDefined();
    const sorted = [...theirs!.partitions].sort((a, b) => a.partition - b.partition);
    expect(topic?.partitions.map((p) => p.leader)).toEqual(sorted.map((p) => p.leader));
    expect(topic?.partitions.map((p) => [...p.replicas].sort())).toEqual(sorted.map((p) => p.replicas.map((r) => r.id).sort()));
    expect(topic?.partitions.map((p) => [...p.isr].sort())).toEqual(sorted.map((p) => p.isrs.map((r) => r.id).sort()));
  });

  it('sees a moved leader after a leadership error invalidates the cache', async () => {
    const before = await client.metadata(['orders']);
    const current = before.topics[0].partitions[0].leader;
    const next = (current % 3) + 1;
    await mock.setLeader('orders', 0, next);
    expect((await client.metadata(['orders'])).topics[0].partitions[0].leader).toBe(current); // cached
    client.invalidateMetadata('orders', 6);
    expect((await client.metadata(['orders'])).topics[0].partitions[0].leader).toBe(next);
  });

  it('opens the circuit of a broker taken down, fails fast, and closes it after one probe once it is back', async () => {
    // its own retries space the attempts past the reconnect backoff (at most 60 ms after one
    // failure), within which a request fails without an attempt that could count
    const client = createClient({
      brokers: [...mock.bootstrap],
      retry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 100, jitter: 0 },
      circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 300 },
      connectionTimeoutMs: 5000,
    });
    try {
      await client.metadata();
      const down = 2;
      const onBroker = (state: string) =>
        firstValueFrom(client.stats$.pipe(filter((s) => s.brokers.some((b) => b.nodeId === down && b.circuit === state))));
      const ask = () => firstValueFrom(client.request({ nodeId: down }, Metadata, { topics: [] }));

      await mock.setBrokerDown(down);
      // refused, refused again 100 ms later: the second failure opens the circuit, which ends the retries
      await expect(ask()).rejects.toBeInstanceOf(CircuitOpenError);
      const opened = await onBroker('open');
      const before = opened.brokers.find((b) => b.nodeId === down)!;
      expect(before.errors).toBeGreaterThanOrEqual(2);

      // While open: fails fast, without touching the broker (no new request counted against it).
      await expect(ask()).rejects.toBeInstanceOf(CircuitOpenError);
      const during = (await firstValueFrom(client.stats$)).brokers.find((b) => b.nodeId === down)!;
      expect(during.requests).toBe(before.requests);
      expect(during.circuit).toBe('open');

      await mock.setBrokerUp(down);
      await onBroker('half-open');
      const res = await ask();
      expect(res.brokers.length).toBe(3);
      expect((await firstValueFrom(client.stats$)).brokers.find((b) => b.nodeId === down)?.circuit).toBe('closed');
    } finally {
      await client.close();
    }
  });
});

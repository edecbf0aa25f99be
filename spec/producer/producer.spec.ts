import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { BufferExhaustedError, InvalidRecordError, RecordTooLargeError } from '../../src/producer/errors.js';
import { partitionForKey } from '../../src/producer/partitioners/index.js';
import { DeliveryError, type Producer } from '../../src/producer/producer.js';
import { MockCluster, virtualTime, type MockClusterOptions } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: MockClusterOptions = { brokers: 3 }): Promise<{ cluster: MockCluster; client: KafkaClient }> {
  const cluster = await MockCluster.start(options);
  cleanups.push(() => cluster.stop());
  const client = createClient({ brokers: cluster.bootstrap, retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 100 } });
  cleanups.push(() => client.close());
  return { cluster, client };
}

function track(p: Producer): Producer {
  cleanups.push(() => p.close());
  return p;
}

const values = (cluster: MockCluster, topic: string, partition: number) => cluster.records(topic, partition).map((r) => r.value!.toString());

describe('producer against MockCluster', () => {
  it('puts 100,000 keyed records where the Java partitioner does, each once, in order per partition', async () => {
    const { cluster, client } = await setup();
    await cluster.createTopic('keyed', { partitions: 6, replicationFactor: 3 });
    const producer = track(client.producer({ compression: 'lz4', lingerMs: 2, batchBytes: 64 * 1024 }));
    const total = 100_000;
    const chunks: Array<Promise<unknown>> = [];
    for (let start = 0; start < total; start += 5000) {
      const records = Array.from({ length: 5000 }, (_, i) => ({ topic: 'keyed', key: `customer-${(start + i) % 997}`, value: `${start + i}` }));
      chunks.push(producer.send(records));
    }
    await Promise.all(chunks);
    let stored = 0;
    for (let p = 0; p < 6; p++) {
      const records = cluster.records('keyed', p);
      stored += records.length;
      for (const r of records) expect(partitionForKey(r.key!, 6)).toBe(p);
      const seq = records.map((r) => Number(r.value!.toString()));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    expect(stored).toBe(total);
  });

  it('answers send() with each record\'s metadata, and produce() in input order with its context', async () => {
    const { cluster, client } = await setup();
    await cluster.createTopic('meta', { partitions: 3 });
    const producer = track(client.producer({ lingerMs: 1 }));
    const single = await producer.send({ topic: 'meta', partition: 2, key: 'k', value: 'v', headers: { h: 'x' }, timestamp: 1234 });
    expect(single).toMatchObject({ topic: 'meta', partition: 2, offset: 0n, timestamp: 1234 });
    const records = Array.from({ length: 30 }, (_, i) => ({ topic: 'meta', key: `k${i}`, value: `v${i}`, context: { n: i } }));
    const out = await lastValueFrom(from(records).pipe(producer.produce<{ n: number }>(), toArray()));
    expect(out.map((m) => m.context?.n)).toEqual(records.map((_, i) => i));
    const sent = await producer.send(records);
    expect(sent.map((m) => m.context?.n)).toEqual(records.map((_, i) => i));
    expect(sent.map((m) => m.partition)).toEqual(out.map((m) => m.partition));
    for (const m of out) {
      const stored = cluster.records('meta', m.partition).find((r) => r.offset === m.offset);
      expect(stored?.value?.toString()).toBe(`v${m.context?.n}`);
      expect(m.partition).toBe(partitionForKey(Buffer.from(`k${m.context?.n}`), 3));
    }
  });

  it('rejects bad records alone, with typed errors, and delivers the rest', async () => {
    const { cluster, client } = await setup({ brokers: 1, autoCreateTopics: false });
    await cluster.createTopic('good', { partitions: 1 });
    const producer = track(client.producer({ lingerMs: 1, maxRequestBytes: 4096, batchBytes: 2048 }));
    const outcomes = await Promise.allSettled([
      producer.send({ topic: 'good', value: 'first' }),
      producer.send({ value: 'no topic' } as never),
      producer.send({ topic: 'good', value: 42 } as never),
      producer.send({ topic: 'good', value: Buffer.alloc(5000) }),
      producer.send({ topic: 'missing', value: 'no such topic' }),
      producer.send({ topic: 'good', partition: 7, value: 'no such partition' }),
      producer.send({ topic: 'good', value: 'last' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error) : null));
    expect(reasons[1]).toBeInstanceOf(InvalidRecordError);
    expect((reasons[1] as InvalidRecordError).field).toBe('topic');
    expect((reasons[2] as InvalidRecordError).field).toBe('value');
    expect(reasons[3]).toBeInstanceOf(RecordTooLargeError);
    expect(reasons[4]).toMatchObject({ code: 3 });
    expect(reasons[5]).toMatchObject({ code: 3 });
    expect(values(cluster, 'good', 0)).toEqual(['first', 'last']);
  });

  it('ends produce() with a DeliveryError naming the failed record, after the records before it', async () => {
    const { cluster, client } = await setup({ brokers: 1, autoCreateTopics: false });
    await cluster.createTopic('t', { partitions: 1 });
    const producer = track(client.producer({ lingerMs: 1 }));
    const error: unknown = await lastValueFrom(
      from([
        { topic: 't', value: 'a', context: 'a' },
        { topic: 'nope', value: 'b', context: 'b' },
        { topic: 't', value: 'c', context: 'c' },
      ]).pipe(producer.produce<string>()),
    )
      .then(() => null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError<string>).record.context).toBe('b');
    expect(values(cluster, 't', 0)).toEqual(['a', 'c']);
  });

  it('is an Observer: completion flushes, failures go to errors$', async () => {
    const { cluster, client } = await setup({ brokers: 1, autoCreateTopics: false });
    await cluster.createTopic('sink', { partitions: 2 });
    const producer = track(client.producer({ lingerMs: 50 }));
    const failures: string[] = [];
    producer.errors$.subscribe((e) => failures.push(e.record.topic));
    from([
      { topic: 'sink', value: '1' },
      { topic: 'nowhere', value: '2' },
      { topic: 'sink', value: '3' },
    ]).subscribe(producer);
    await producer.flush();
    expect([...values(cluster, 'sink', 0), ...values(cluster, 'sink', 1)].sort()).toEqual(['1', '3']);
    expect(failures).toEqual(['nowhere']);
  });

  it('keeps queued bytes within bufferMemory against a slow broker, and rejects after maxBlockMs (in virtual time)', async () => {
    // on the memory network with one virtual clock: the 2 s latency costs no wall time, and
    // each outcome's time is exact
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 1, network: 'memory', scheduler: time.scheduler });
    cleanups.push(() => cluster.stop());
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    cleanups.push(() => time.run(() => client.close()));
    await cluster.createTopic('slow', { partitions: 1 });
    await time.run(() => client.metadata(['slow'])); // connected and known before the clock starts
    cluster.setLatency(1, 2000);
    const bufferMemory = 16 * 1024;
    const producer = client.producer({ bufferMemory, maxBlockMs: 300, lingerMs: 0, batchBytes: 8192, requestTimeoutMs: 10_000 });
    let peak = 0;
    const stats = producer.stats$.subscribe((s) => (peak = Math.max(peak, s.queuedBytes)));
    const value = Buffer.alloc(1000, 1);
    const started = time.now();
    const outcomes = await time.run(() =>
      Promise.all(
        Array.from({ length: 30 }, () =>
          producer.send({ topic: 'slow', value }).then(
            () => ({ ok: true, at: time.now() - started }),
            (e: unknown) => ({ ok: false, error: e, at: time.now() - started }),
          ),
        ),
      ),
    );
    stats.unsubscribe();
    const exhausted = outcomes.filter((o) => !o.ok);
    expect(exhausted.length).toBeGreaterThan(0);
    for (const o of exhausted) {
      expect('error' in o && o.error).toBeInstanceOf(BufferExhaustedError);
      expect(o.at).toBe(300); // maxBlockMs, to the millisecond
    }
    const delivered = outcomes.filter((o) => o.ok);
    expect(delivered.length).toBeGreaterThan(0);
    // InitProducerId, then Produce: each round trip exactly 2 s away
    for (const o of delivered) expect(o.at % 2000).toBe(0);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(bufferMemory + 1100);
    // Everything acknowledged is in the log; nothing rejected is.
    expect(cluster.records('slow', 0)).toHaveLength(delivered.length);
  });

  it('gives the right offsets to send() when Observer-side records share its batch', async () => {
    const { cluster, client } = await setup({ brokers: 1 });
    await cluster.createTopic('mixed', { partitions: 1 });
    const producer = track(client.producer({ lingerMs: 20 }));
    producer.next({ topic: 'mixed', value: 'a' });
    producer.next({ topic: 'mixed', value: 'b' });
    const sent = producer.send({ topic: 'mixed', value: 'c' });
    producer.next({ topic: 'mixed', value: 'd' });
    const last = producer.send({ topic: 'mixed', value: 'e' });
    expect((await sent).offset).toBe(2n);
    expect((await last).offset).toBe(4n);
    expect(values(cluster, 'mixed', 0)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('shows its work on stats$', async () => {
    const { cluster, client } = await setup({ brokers: 1 });
    await cluster.createTopic('s', { partitions: 2 });
    const producer = track(client.producer({ lingerMs: 1 }));
    await producer.send(Array.from({ length: 100 }, (_, i) => ({ topic: 's', value: `${i}` })));
    const stats = await firstValueFrom(producer.stats$);
    expect(stats).toMatchObject({ queuedRecords: 0, queuedBytes: 0, batches: 0, inFlight: 0, errors: 0 });
    expect(stats.requests).toBeGreaterThan(0);
  });

  it('retries injected retriable errors without duplicates when idempotent', async () => {
    const { cluster, client } = await setup({ brokers: 1 });
    await cluster.createTopic('retry', { partitions: 1 });
    const producer = track(client.producer({ lingerMs: 1 }));
    cluster.injectErrors('Produce', [7, 6, 7]);
    const sent = Array.from({ length: 50 }, (_, i) => `${i}`);
    await Promise.all(sent.map((value) => producer.send({ topic: 'retry', value })));
    expect(values(cluster, 'retry', 0)).toEqual(sent);
    expect((await firstValueFrom(producer.stats$)).retries).toBeGreaterThanOrEqual(3);
  });
});

import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferExhaustedError, createClient, type ProducerConfig } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/** One in-memory broker answering after `latencyMs`, and a client on the same virtual clock. */
async function setup(latencyMs: number) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t');
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
  await time.run(() => client.metadata(['t']));
  cluster.setLatency(1, latencyMs);
  const producerOf = (config: ProducerConfig) => client.producer({ acks: 1, idempotent: false, lingerMs: 0, ...config });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, producerOf, done };
}

describe('waiting for buffer room', () => {
  it('settles 20,000 sends that outwait maxBlockMs, without recursion, and flush() returns', async () => {
    const { time, producerOf, done } = await setup(2000);
    const producer = producerOf({ bufferMemory: 1024, maxBlockMs: 200 });
    const outcomes = Array.from({ length: 20_000 }, (_, i) =>
      producer.send({ topic: 't', value: `record ${i}` }).then(
        () => 'delivered',
        (e: unknown) => (e instanceof BufferExhaustedError ? 'exhausted' : `other: ${String(e)}`),
      ),
    );
    const settled = await time.run(() => Promise.all(outcomes));
    expect(settled.filter((s) => s.startsWith('other'))).toEqual([]);
    expect(settled.filter((s) => s === 'delivered').length).toBeGreaterThan(0);
    expect(settled.filter((s) => s === 'exhausted').length).toBeGreaterThan(19_000);
    await time.run(() => producer.flush());
    await done();
  });

  it('fails the records of produce() that outwait maxBlockMs with BufferExhaustedError, without recursion', async () => {
    const { time, producerOf, done } = await setup(2000);
    const producer = producerOf({ bufferMemory: 1024, maxBlockMs: 200 });
    const records = Array.from({ length: 20_000 }, (_, i) => ({ topic: 't', value: `record ${i}` }));
    const error = await time.run(() => lastValueFrom(from(records).pipe(producer.produce(), toArray())).catch((e: unknown) => e));
    expect((error as Error).name).toBe('DeliveryError');
    expect((error as Error).cause).toBeInstanceOf(BufferExhaustedError);
    await time.run(() => producer.flush());
    await done();
  });
});

describe('send([...]) and bufferMemory', () => {
  it('admits one array larger than the buffer in pieces, never holding more than the buffer in batches', async () => {
    const { time, producerOf, done } = await setup(5);
    const producer = producerOf({ bufferMemory: 64 * 1024 });
    let peak = 0;
    const watch = producer.stats$.subscribe((s) => (peak = Math.max(peak, s.queuedBytes)));
    const metas = await time.run(() => producer.send(Array.from({ length: 10_000 }, (_, i) => ({ topic: 't', value: `value ${i}`.padEnd(100, '.') }))));
    watch.unsubscribe();
    expect(metas).toHaveLength(10_000);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(64 * 1024);
    await done();
  });
});

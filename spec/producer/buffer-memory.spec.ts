import { concat, from, lastValueFrom, mergeMap, timer, toArray } from 'rxjs';
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

describe('records waiting for buffer room are bounded', () => {
  it('refuses sends at once with BufferExhaustedError past maxWaitingBytes, and admits the waiting ones as room frees', async () => {
    const { time, producerOf, done } = await setup(2000);
    const producer = producerOf({ bufferMemory: 4096, maxWaitingBytes: 8192 });
    const outcomes = Array.from({ length: 1000 }, (_, i) =>
      producer.send({ topic: 't', value: `record ${i}`.padEnd(100, '.') }).then(
        () => 'delivered',
        (e: unknown) => (e instanceof BufferExhaustedError ? `refused at ${time.now()}` : `other: ${String(e)}`),
      ),
    );
    const settled = await time.run(() => Promise.all(outcomes));
    // ~4096 / 121 placed, ~8192 / 377 waiting, every other one refused on the spot (at 0), none lost track of
    const delivered = settled.filter((s) => s === 'delivered').length;
    expect(delivered).toBeGreaterThan(30 + 20);
    expect(delivered).toBeLessThan(33 + 22 + 1);
    expect(settled.filter((s) => s === 'refused at 0')).toHaveLength(1000 - delivered);
    await time.run(() => producer.flush());
    await done();
  });

  it('takes a synchronous source piped into produce() whole, as one run: every record delivered, the buffer never past bufferMemory', async () => {
    const { time, producerOf, done } = await setup(5);
    const producer = producerOf({ bufferMemory: 4096, maxWaitingBytes: 8192 });
    let peak = 0;
    const watch = producer.stats$.subscribe((s) => (peak = Math.max(peak, s.queuedBytes)));
    const records = Array.from({ length: 1000 }, (_, i) => ({ topic: 't', value: `record ${i}`.padEnd(100, '.') }));
    const metas = await time.run(() => lastValueFrom(from(records).pipe(producer.produce(), toArray())));
    watch.unsubscribe();
    // 1000 x 121 bytes: thirty times the buffer, and more than maxWaitingBytes, yet the caller
    // handed them over in one go (and holds them): they wait as given, not refused
    expect(metas.map((m) => m.offset)).toEqual(records.map((_, i) => BigInt(i)));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4096);
    await done();
  });

  it('bounds a burst that arrives while others wait: past maxWaitingBytes its records are refused with BufferExhaustedError', async () => {
    const { time, producerOf, done } = await setup(2000);
    const producer = producerOf({ bufferMemory: 4096, maxWaitingBytes: 8192 });
    const burst = (from: number) => Array.from({ length: 500 }, (_, i) => ({ topic: 't', value: `record ${from + i}`.padEnd(100, '.') }));
    // the first burst fills the buffer and waits whole; the second comes a tick later, behind it
    const source = concat(from(burst(0)), timer(1, time.scheduler).pipe(mergeMap(() => from(burst(500)))));
    const error = await time.run(() => lastValueFrom(source.pipe(producer.produce(), toArray())).catch((e: unknown) => e));
    expect((error as Error).name).toBe('DeliveryError');
    expect((error as Error).cause).toBeInstanceOf(BufferExhaustedError);
    expect(((error as Error).cause as Error).message).toMatch(/maxWaitingBytes 8192/);
    await time.run(() => producer.flush());
    await done();
  });
});

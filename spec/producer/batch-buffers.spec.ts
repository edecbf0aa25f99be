import { asyncScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchBuffers } from '../../src/producer/batch-buffers.js';
import { Producer } from '../../src/producer/producer.js';
import type { CompressionName } from '../../src/protocol/compression/index.js';
import { virtualTime } from '../../src/testing/index.js';
import { FakeClusterClient, partitionKey, type FakeClusterClientOptions } from '../support/fake-cluster-client.js';

const NOT_LEADER_OR_FOLLOWER = 6;

describe('BatchBuffers', () => {
  it('lends a buffer of the size asked for, and the same memory again once it is given back', () => {
    const pool = new BatchBuffers(1 << 20);
    const a = pool.take(8192);
    expect(a.length).toBe(8192);
    pool.give(a);
    expect(pool.pooledBytes).toBe(8192);
    const b = pool.take(8192);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.pooledBytes).toBe(0);
    // another size is another buffer
    expect(pool.take(4096).buffer).not.toBe(a.buffer);
  });

  it('keeps memory by power-of-two sizes: a buffer given back serves any size of its class', () => {
    const pool = new BatchBuffers(1 << 20);
    const a = pool.take(5000);
    expect(a.length).toBe(5000);
    expect(a.buffer.byteLength).toBe(8192);
    pool.give(a);
    const b = pool.take(8000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(8000);
    // below the smallest class
    expect(pool.take(10).buffer.byteLength).toBe(4096);
  });

  it('takes back the memory of a view of a buffer it lent', () => {
    const pool = new BatchBuffers(1 << 20);
    const a = pool.take(8192);
    pool.give(a.subarray(61, 700));
    expect(pool.take(8192).buffer).toBe(a.buffer);
  });

  it('ignores memory it did not lend, and a buffer given back twice', () => {
    const pool = new BatchBuffers(1 << 20);
    pool.give(Buffer.allocUnsafe(100)); // a slice of node's shared slab
    pool.give(Buffer.allocUnsafeSlow(8192));
    expect(pool.pooledBytes).toBe(0);
    const a = pool.take(8192);
    pool.give(a);
    pool.give(a);
    expect(pool.pooledBytes).toBe(8192);
    const b = pool.take(8192);
    const c = pool.take(8192);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('keeps at most maxBytes for reuse', () => {
    const pool = new BatchBuffers(3 * 4096);
    const lent = Array.from({ length: 5 }, () => pool.take(4096));
    for (const b of lent) pool.give(b);
    expect(pool.pooledBytes).toBe(3 * 4096);
  });
});

/**
 * A producer on the fake cluster, and every buffer made for it or given back. In virtual time;
 * on the real clock with a codec, whose work runs off the event loop.
 */
function setUp(options: Partial<FakeClusterClientOptions>, compression: CompressionName, extra: { idempotent?: boolean } = {}) {
  const time = virtualTime();
  const scheduler = compression === 'none' ? time.scheduler : asyncScheduler;
  const run = <T>(p: Promise<T>): Promise<T> => (compression === 'none' ? time.run(p) : p);
  const fake = new FakeClusterClient(scheduler, { topics: { t: 1 }, delayMs: compression === 'none' ? 2 : 0, ...options });
  const made = vi.spyOn(Buffer, 'allocUnsafeSlow');
  // calls through to the pool's own give
  const give = vi.spyOn(BatchBuffers.prototype, 'give');
  const given = () => new Set<ArrayBufferLike>(give.mock.calls.map(([view]) => view.buffer));
  const producer = new Producer(fake, { acks: extra.idempotent === true ? 'all' : 1, idempotent: extra.idempotent ?? false, lingerMs: 0, batchBytes: 4096, compression }, scheduler);
  return { run, fake, made, given, producer };
}

/** `count` records of about 3,000 bytes: each fills a batch of its own. */
const big = (count: number) => Array.from({ length: count }, (_, i) => ({ topic: 't', partition: 0, value: `${i}:`.padEnd(3000, String.fromCharCode(97 + (i % 26))) }));

describe('a producer reuses its batch buffers', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(['none', 'lz4'] as const)('one batch after another (%s): a buffer made once serves them all, and no request changes before its answer', async (compression) => {
    const { run, fake, made, producer } = setUp({}, compression);
    const records = big(40);
    for (const r of records) await run(producer.send(r));
    expect(fake.delivered('t', 0)).toEqual(records.map((r) => r.value));
    // the writer's first buffers (it grows to the size of a batch), then the same ones again
    expect(made.mock.calls.length).toBeLessThanOrEqual(3);
    expect(fake.changedBeforeAnswer).toEqual([]);
    await run(producer.close());
  });

  it('a batch sent more than once never gives its buffer back, and every resend carries the bytes first sent', async () => {
    // the 2nd request fails at the partition: that batch and the ones pipelined behind it go again
    const { run, fake, given, producer } = setUp(
      { delayMs: 5, produce: (call) => (call.index === 1 ? { codes: { [partitionKey('t', 0)]: NOT_LEADER_OR_FOLLOWER } } : undefined) },
      'none',
      { idempotent: true },
    );
    const records = big(30);
    const sends = records.map((r) => producer.send(r));
    await run(Promise.all(sends));
    expect(fake.delivered('t', 0)).toEqual(records.map((r) => r.value));
    expect(fake.changedBeforeAnswer).toEqual([]);
    const back = given();
    const bySequence = new Map<number, Array<Buffer | null>>();
    for (const call of fake.produceCalls) for (const b of call.batches) bySequence.set(b.baseSequence, [...(bySequence.get(b.baseSequence) ?? []), b.bytes]);
    const resent = [...bySequence.values()].filter((sends) => sends.length > 1);
    expect(resent.length).toBeGreaterThan(0);
    for (const sends of resent) {
      for (const bytes of sends) expect(back.has((bytes as Buffer).buffer)).toBe(false);
    }
    // and those sent once did come back
    const once = [...bySequence.values()].filter((sends) => sends.length === 1);
    expect(once.some(([bytes]) => back.has((bytes as Buffer).buffer))).toBe(true);
    await run(producer.close());
  });
});

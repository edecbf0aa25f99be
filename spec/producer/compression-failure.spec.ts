import { afterEach, describe, expect, it, vi } from 'vitest';
import { CompressionError, createClient, DeliveryError, KafkaError } from '../../src/index.js';
import { codecByName, encodeRecordBatch } from '../../src/protocol/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A codec whose library throws: the failure reaches the caller typed, with the library's error as cause. */
describe('a codec that fails to compress', () => {
  it('fails encodeRecordBatch with CompressionError carrying the cause', async () => {
    const boom = new Error('lz4 library exploded');
    vi.spyOn(codecByName('lz4'), 'compress').mockRejectedValue(boom);
    const error = await encodeRecordBatch({ records: [{ value: 'x' }] }, { now: Date.now(), compression: 'lz4' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompressionError);
    expect((error as CompressionError).codec).toBe('lz4');
    expect((error as CompressionError).cause).toBe(boom);
  });

  it('fails the records of that batch with CompressionError, through send() and produce() alike', async () => {
    const boom = new TypeError('zstd library exploded');
    vi.spyOn(codecByName('zstd'), 'compress').mockRejectedValue(boom);
    const time = virtualTime();
    const cluster = await MockCluster.start({ network: 'memory', scheduler: time.scheduler });
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    try {
      const producer = client.producer({ compression: 'zstd' });
      const error = await time.run(() => producer.send({ topic: 't', value: 'v' }).catch((e: unknown) => e));
      expect(error).toBeInstanceOf(CompressionError);
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as CompressionError).cause).toBe(boom);
      const failures: unknown[] = [];
      const sub = producer.errors$.subscribe((e) => failures.push(e));
      producer.next({ topic: 't', value: 'w' });
      await time.run(() => producer.flush());
      sub.unsubscribe();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(DeliveryError);
      expect((failures[0] as DeliveryError).cause).toBeInstanceOf(CompressionError);
      expect(cluster.records('t', 0)).toHaveLength(0);
    } finally {
      await time.run(() => client.close());
      await cluster.stop();
    }
  });
});

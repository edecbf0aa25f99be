import { describe, expect, it } from 'vitest';
import { KafkaConfigError } from '../../src/errors.js';
import { resolveProducerConfig, type ProducerConfig } from '../../src/producer/config.js';

function fieldOf(config: unknown): string | undefined {
  try {
    resolveProducerConfig(config as ProducerConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaConfigError);
    return (e as KafkaConfigError).field;
  }
  return undefined;
}

describe('producer config', () => {
  it('fills the defaults: acks all, idempotent, 5 ms linger but none on an idle partition, 1,000,000-byte batches (no more than a request), 32 MiB buffer', () => {
    expect(resolveProducerConfig()).toMatchObject({
      acks: -1,
      idempotent: true,
      transactionalId: null,
      compression: 'none',
      lingerMs: 5,
      sendWhenIdle: true,
      batchBytes: 1_000_000,
      bufferMemory: 32 << 20,
      maxBlockMs: 60_000,
      maxInFlight: 5,
      deliveryTimeoutMs: 120_000,
      maxRequestBytes: 1 << 20,
      partitioner: 'murmur2',
    });
  });

  it('keeps the default batch within a smaller maxRequestBytes', () => {
    expect(resolveProducerConfig({ maxRequestBytes: 64 * 1024 }).batchBytes).toBe(64 * 1024);
  });

  it('is not idempotent by default with acks 1 or 0, and is with a transactionalId', () => {
    expect(resolveProducerConfig({ acks: 1 }).idempotent).toBe(false);
    expect(resolveProducerConfig({ acks: 0 }).idempotent).toBe(false);
    expect(resolveProducerConfig({ transactionalId: 't' }).idempotent).toBe(true);
  });

  it.each([
    [{ lingerMS: 5 }, 'lingerMS'],
    [{ acks: 2 }, 'acks'],
    [{ acks: 1, idempotent: true }, 'acks'],
    [{ transactionalId: '' }, 'transactionalId'],
    [{ transactionalId: 't', idempotent: false }, 'idempotent'],
    [{ compression: 'brotli' }, 'compression'],
    [{ lingerMs: -1 }, 'lingerMs'],
    [{ batchBytes: 0 }, 'batchBytes'],
    [{ sendWhenIdle: 'yes' }, 'sendWhenIdle'],
    [{ batchBytes: 2 << 20, maxRequestBytes: 1 << 20 }, 'batchBytes'],
    [{ bufferMemory: 10 }, 'bufferMemory'],
    [{ maxInFlight: 6 }, 'maxInFlight'],
    [{ deliveryTimeoutMs: 0 }, 'deliveryTimeoutMs'],
    [{ partitioner: 'random' }, 'partitioner'],
  ])('rejects %j naming %s', (config, field) => {
    expect(fieldOf(config)).toBe(field);
  });

  it('allows more than 5 in flight without idempotence', () => {
    expect(resolveProducerConfig({ acks: 1, maxInFlight: 50 }).maxInFlight).toBe(50);
  });
});

import { describe, expect, it } from 'vitest';
import { type ClientConfig } from '../../src/cluster/index.js';
import { createClient } from '../../src/index.js';
import { KafkaConfigError } from '../../src/errors.js';

function fieldOf(config: unknown): string | undefined {
  try {
    createClient(config as ClientConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaConfigError);
    return (e as KafkaConfigError).field;
  }
  return undefined;
}

describe('createClient config validation', () => {
  it('accepts a full valid config', async () => {
    const client = createClient({
      brokers: ['127.0.0.1:9092', '[::1]:9093', 'kafka-1.example:19092'],
      clientId: 'app',
      tls: false,
      requestTimeoutMs: 1000,
      connectionTimeoutMs: 500,
      retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 100, multiplier: 2, jitter: 0.5 },
      circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 100 },
    });
    await client.close();
  });

  it.each([
    [{ brokers: [] }, 'brokers'],
    [{}, 'brokers'],
    [{ brokers: ['nohost'] }, 'brokers[0]'],
    [{ brokers: ['h:1', 'h:70000'] }, 'brokers[1]'],
    [{ brokers: ['h:1'], bogus: 1 }, 'bogus'],
    [{ brokers: ['h:1'], requestTimeoutMs: -5 }, 'requestTimeoutMs'],
    [{ brokers: ['h:1'], connectionTimeoutMs: 'fast' }, 'connectionTimeoutMs'],
    [{ brokers: ['h:1'], clientId: '' }, 'clientId'],
    [{ brokers: ['h:1'], retry: { maxRetries: 1.5 } }, 'retry.maxRetries'],
    [{ brokers: ['h:1'], retry: { jitter: 2 } }, 'retry.jitter'],
    [{ brokers: ['h:1'], retry: { speed: 2 } }, 'retry.speed'],
    [{ brokers: ['h:1'], retry: { initialDelayMs: 500, maxDelayMs: 100 } }, 'retry.maxDelayMs'],
    [{ brokers: ['h:1'], circuitBreaker: { failureThreshold: 0 } }, 'circuitBreaker.failureThreshold'],
    [{ brokers: ['h:1'], circuitBreaker: 3 }, 'circuitBreaker'],
    [{ brokers: ['h:1'], tls: 'yes' }, 'tls'],
    [{ brokers: ['h:1'], scheduler: {} }, 'scheduler'],
  ])('rejects %j naming %s', (config, field) => {
    expect(fieldOf(config)).toBe(field);
  });
});

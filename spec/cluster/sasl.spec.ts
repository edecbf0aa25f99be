import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientConfig } from '../../src/cluster/index.js';
import { createClient } from '../../src/index.js';
import { KafkaConfigError } from '../../src/errors.js';
import { SaslAuthenticationError } from '../../src/network/index.js';
import { SaslHandshake } from '../../src/protocol/messages/index.js';
import { MockCluster } from '../../src/testing/index.js';

describe('client SASL against MockCluster', () => {
  let cluster: MockCluster;

  beforeAll(async () => {
    cluster = await MockCluster.start({
      brokers: 2,
      sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: { alice: 'secret' } },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`authenticates every connection with ${mechanism}`, async () => {
      const client = createClient({ brokers: cluster.bootstrap, sasl: { mechanism, username: 'alice', password: 'secret' } });
      try {
        const meta = await client.metadata();
        expect(meta.brokers).toHaveLength(2);
      } finally {
        await client.close();
      }
    });

    it(`refuses a wrong ${mechanism} password with SaslAuthenticationError, not retried, secret not shown`, async () => {
      const client = createClient({
        brokers: cluster.bootstrap,
        sasl: { mechanism, username: 'alice', password: 'not-the-secret' },
        retry: { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 1 },
      });
      const handshakes: number[] = [];
      const sub = cluster.requests$.subscribe((r) => r.apiKey === SaslHandshake.apiKey && handshakes.push(r.broker));
      try {
        const error: unknown = await client.metadata().catch((e: unknown) => e);
        expect(handshakes).toHaveLength(1);
        expect(error).toBeInstanceOf(SaslAuthenticationError);
        expect(String((error as Error).message)).not.toContain('not-the-secret');
        expect(String((error as Error).message)).not.toContain('secret');
      } finally {
        sub.unsubscribe();
        await client.close();
      }
    });
  }

  it('cannot talk to a SASL listener without authenticating', async () => {
    const client = createClient({ brokers: cluster.bootstrap, retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 } });
    try {
      await expect(client.metadata()).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});

describe('SASL config', () => {
  const fieldOf = (sasl: unknown) => {
    try {
      createClient({ brokers: ['h:1'], sasl } as ClientConfig);
    } catch (e) {
      expect(e).toBeInstanceOf(KafkaConfigError);
      expect((e as Error).message).not.toContain('hunter2');
      return (e as KafkaConfigError).field;
    }
    return undefined;
  };

  it.each([
    [{ mechanism: 'GSSAPI', username: 'u', password: 'hunter2' }, 'sasl.mechanism'],
    [{ mechanism: 'PLAIN', password: 'hunter2' }, 'sasl.username'],
    [{ mechanism: 'PLAIN', username: 'u' }, 'sasl.password'],
    [{ mechanism: 'PLAIN', username: 'u', password: 'hunter2', token: 1 }, 'sasl.token'],
  ])('rejects %j naming %s', (sasl, field) => {
    expect(fieldOf(sasl)).toBe(field);
  });
});

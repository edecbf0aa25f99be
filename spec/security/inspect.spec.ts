import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, type KafkaClient, type SaslMechanism } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';

const CANARY = 'canary-pw-7f3a91';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
/** A line from the middle of the private key's PEM body: no inspection may show it. */
const keyLine = fixture('broker.key').split('\n')[5];

/** Everything inspection shows of `value`, at depth 10, hidden properties included. */
const shown = (value: unknown) =>
  [inspect(value, { depth: 10 }), inspect(value, { depth: 10, showHidden: true, getters: true })].join('\n');

describe('credentials under util.inspect', () => {
  it.each<SaslMechanism>(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('%s: the password shows nowhere in the client, its producers or its consumers, at depth 10', async (mechanism) => {
    const cluster = await MockCluster.start({ sasl: { mechanisms: [mechanism], users: { alice: CANARY } } });
    const client: KafkaClient = createClient({ brokers: cluster.bootstrap, sasl: { mechanism, username: 'alice', password: CANARY } });
    try {
      const producer = client.producer();
      const tx = client.producer({ transactionalId: 'tx-1' });
      // connected and authenticated: the connection objects are in the graph too
      await producer.send({ topic: 't', value: 'v' });
      await tx.transaction((t) => t.send({ topic: 't', value: 'w' }));
      for (const value of [client, producer, tx]) {
        const text = shown(value);
        expect(text).not.toContain(CANARY);
        expect(text.length).toBeGreaterThan(1000); // it did inspect deep
      }
      // what inspection shows of the credentials: the mechanism and user, not the password
      expect(shown(producer)).toMatch(/Secret \{\s+mechanism: '[-A-Z0-9]+',\s+username: 'alice',\s+password: '\[redacted\]'/);
      // a group member with a record in hand: its group, fetch and commit state are in the graph
      // (and, through the client, all the above again)
      const consumer = client.consumer({ groupId: 'g-1', topics: ['t'], autoOffsetReset: 'earliest' });
      await firstValueFrom(consumer.records$);
      const text = shown(consumer);
      expect(text).not.toContain(CANARY);
      expect(text).toContain("groupId: 'g-1'"); // it did inspect the consumer's own state
      expect(text).toContain("password: '[redacted]'"); // and reached the credentials
    } finally {
      await client.close();
      await cluster.stop();
    }
  });

  it('a TLS private key and its passphrase show nowhere in the client', () => {
    const client = createClient({ brokers: ['127.0.0.1:1'], tls: { key: fixture('broker.key'), cert: fixture('broker.pem'), passphrase: CANARY } });
    const producer = client.producer();
    const text = shown(client) + shown(producer);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(keyLine);
    expect(text).toContain('BEGIN CERTIFICATE'); // the certificate is public and still shown
    void client.close();
  });

  it('a wrong password is not echoed in the error', async () => {
    const cluster = await MockCluster.start({ sasl: { mechanisms: ['PLAIN'], users: { alice: 'right' } } });
    const client = createClient({
      brokers: cluster.bootstrap,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: CANARY },
      retry: { maxRetries: 0 },
    });
    try {
      const error = await client.metadata().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(shown(error)).not.toContain(CANARY);
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});

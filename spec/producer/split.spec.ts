import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import type { Producer } from '../../src/producer/producer.js';
import { KafkaError } from '../../src/errors.js';
import { MockCluster } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(maxMessageBytes: number): Promise<{ cluster: MockCluster; client: KafkaClient }> {
  const cluster = await MockCluster.start({ brokers: 1 });
  cleanups.push(() => cluster.stop());
  await cluster.createTopic('t', { partitions: 1, configs: { 'max.message.bytes': String(maxMessageBytes) } });
  const client = createClient({ brokers: cluster.bootstrap });
  cleanups.push(() => client.close());
  return { cluster, client };
}

function track(p: Producer): Producer {
  cleanups.push(() => p.close());
  return p;
}

// hex digests: unlike a repeated letter, they do not compress to nothing under lz4
const value = (i: number) => `${String(i).padStart(4, '0')}:${createHash('sha512').update(String(i)).digest('hex')}`;

describe('producer: batches the broker refuses as too large (MESSAGE_TOO_LARGE)', () => {
  for (const [name, config] of [
    ['idempotent', { acks: 'all' as const }],
    ['without idempotence', { acks: 1 as const, idempotent: false }],
    ['idempotent, lz4', { acks: 'all' as const, compression: 'lz4' as const }],
  ] as const) {
    it(`are split and sent again until they fit, every record once and in order (${name})`, async () => {
      // 200 records of ~130 bytes in one batch of ~27 KB (~15 KB with lz4), against a 2,000-byte limit
      const { cluster, client } = await setup(2000);
      const producer = track(client.producer({ ...config, lingerMs: 50, batchBytes: 64 * 1024 }));
      const records = Array.from({ length: 200 }, (_, i) => ({ topic: 't', value: value(i) }));
      const meta = await producer.send(records);
      const stored = cluster.records('t', 0);
      expect(stored.map((r) => r.value?.toString())).toEqual(records.map((r) => r.value));
      // each record's metadata names where it was stored
      expect(meta.map((m) => m.offset)).toEqual(stored.map((r) => r.offset));
      const stats = await new Promise<{ retries: number }>((resolve) => producer.stats$.subscribe(resolve).unsubscribe());
      expect(stats.retries).toBeGreaterThan(0);
    });
  }

  it('fail a single record that is too large on its own, and only that one', async () => {
    const { cluster, client } = await setup(500);
    const producer = track(client.producer({ lingerMs: 20 }));
    const small = producer.send({ topic: 't', value: 'small' });
    const big = producer.send({ topic: 't', value: 'x'.repeat(1000) });
    const after = producer.send({ topic: 't', value: 'after' });
    await expect(big).rejects.toSatisfy((e: unknown) => e instanceof KafkaError && e.code === 10);
    await Promise.all([small, after]);
    expect(cluster.records('t', 0).map((r) => r.value?.toString())).toEqual(['small', 'after']);
  });
});

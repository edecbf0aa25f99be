import { describe, expect, it } from 'vitest';
import { createClient, DeliveryTimeoutError, type ProducerConfig } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/** When a record to a silent broker gets its outcome, from send(), and what it is. */
async function settleTime(config: ProducerConfig) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t');
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
  const producer = client.producer({ deliveryTimeoutMs: 3000, ...config });
  await time.run(() => producer.send({ topic: 't', value: 'warm' }));
  cluster.setLatency(1, 600_000);
  const sentAt = time.now();
  const error = await time.run(() => producer.send({ topic: 't', value: 'to a silent broker' }).then(() => null, (e: unknown) => e));
  const after = time.now() - sentAt;
  cluster.setLatency(1, 0);
  cluster.setBrokerDown(1);
  cluster.setBrokerUp(1);
  await time.run(() => client.close());
  await cluster.stop();
  return { error, after };
}

describe('deliveryTimeoutMs with the request in flight', () => {
  it('without idempotence: the record fails at its deadline, its request abandoned', async () => {
    const { error, after } = await settleTime({ idempotent: false, acks: 1, requestTimeoutMs: 30_000 });
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(after).toBe(3000);
  });

  it('with idempotence: the answer is waited for, at most the request timeout (requestTimeoutMs + 5 s)', async () => {
    const { error, after } = await settleTime({ requestTimeoutMs: 10_000 });
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(after).toBeGreaterThan(3000);
    expect(after).toBeLessThanOrEqual(10_000 + 5000 + 5); // + linger
  });
});

import { Kafka, logLevel } from 'kafkajs';
import { expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';

it('kafkajs produces and reads back through a plain consumer-less fetch', async () => {
  const cluster = await MockCluster.start({ brokers: 3 });
  try {
    await cluster.createTopic('smoke', { partitions: 3 });
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'smoke', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const total = [0, 1, 2].map((p) => cluster.records('smoke', p).length).reduce((a, b) => a + b, 0);
    expect(total).toBe(30);
  } finally {
    await cluster.stop();
  }
});

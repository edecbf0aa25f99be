import { expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';

it('producer smoke', async () => {
  const cluster = await MockCluster.start({ brokers: 3 });
  await cluster.createTopic('orders', { partitions: 6 });
  const client = createClient({ brokers: cluster.bootstrap });
  const producer = client.producer({ compression: 'lz4' });
  const one = await producer.send({ topic: 'orders', key: 'k1', value: 'v1' });
  expect(one.topic).toBe('orders');
  const many = await producer.send(Array.from({ length: 1000 }, (_, i) => ({ topic: 'orders', key: `k${i}`, value: `v${i}` })));
  expect(many).toHaveLength(1000);
  await producer.close();
  let total = 0;
  for (let p = 0; p < 6; p++) total += cluster.records('orders', p).length;
  expect(total).toBe(1001);
  await client.close();
  await cluster.stop();
});

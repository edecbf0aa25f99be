import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, type ProducerRecord } from '../../src/index.js';
import { CreatePartitions } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';

const records = (from: number, n: number, partition: number): ProducerRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 't', partition, value: `v${from + i}` }));

/** A 3-broker in-memory cluster and a client with defaults, on one virtual clock. */
async function setup(partitions = 3, config: { metadataMaxAgeMs?: number } = {}) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions, replicationFactor: 3 });
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, ...config });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, done };
}

describe('routing follows the cluster (MockCluster, virtual time)', () => {
  it('re-routes a partition whose leader went down to its new leader, within a metadata refresh', async () => {
    const { time, cluster, client, done } = await setup();
    const producer = client.producer({});
    await time.run(() => producer.send(records(0, 10, 0)));
    const dead = cluster.partitionInfo('t', 0)?.leader ?? -1;
    cluster.setBrokerDown(dead);
    const moved = cluster.partitionInfo('t', 0)?.leader;
    expect(moved).not.toBe(dead);
    const started = time.now();
    const metas = await time.run(() => producer.send(records(10, 10, 0)));
    // a refused connection, one metadata lookup, the send again: no timeout waited out
    expect(time.now() - started).toBeLessThan(1000);
    expect(metas.every((m) => m.partition === 0 && m.offset >= 10n)).toBe(true);
    expect(cluster.records('t', 0).map((r) => r.value?.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    // and it stays there: later sends go to the new leader straight away
    const later = time.now();
    await time.run(() => producer.send(records(20, 5, 0)));
    expect(time.now() - later).toBeLessThan(50);
    await done();
  });

  it('takes up partitions added to a topic within metadataMaxAgeMs, with no error to prompt it', async () => {
    const { time, cluster, client, done } = await setup(3, { metadataMaxAgeMs: 2000 });
    const producer = client.producer({});
    const keyed = (i: number): ProducerRecord => ({ topic: 't', key: `k${i}`, value: `v${i}` });
    await time.run(() => producer.send(Array.from({ length: 60 }, (_, i) => keyed(i))));
    const { controllerId } = await time.run(() => client.metadata());
    const grown = await time.run(() =>
      firstValueFrom(client.request({ nodeId: controllerId }, CreatePartitions, { topics: [{ name: 't', count: 6, assignments: null }], timeoutMs: 1000, validateOnly: false })),
    );
    expect(grown.results[0].errorCode).toBe(0);
    await time.advance(2000);
    await time.run(() => producer.send(Array.from({ length: 60 }, (_, i) => keyed(100 + i))));
    const inNew = [3, 4, 5].reduce((n, p) => n + cluster.records('t', p).length, 0);
    expect(inNew).toBeGreaterThan(0);
    await done();
  });
});

describeInterop("routing follows the cluster (librdkafka's mock)", ['librdkafka', 'kcat'], () => {
  it('re-routes a partition whose leader went down to its new leader', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }] });
    const client = createClient({ brokers: [...mock.bootstrap] });
    try {
      const producer = client.producer({});
      await mock.setLeader('t', 0, 1);
      await producer.send(records(0, 10, 0));
      await mock.setBrokerDown(1);
      await mock.setLeader('t', 0, 2);
      const metas = await producer.send(records(10, 10, 0));
      expect(metas.every((m) => m.partition === 0)).toBe(true);
      const read = await kcatConsume({ brokers: mock.bootstrap, topic: 't', partition: 0, count: 20 });
      expect(read.map((r) => r.value?.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    } finally {
      await client.close();
      await mock.stop();
    }
  }, 60_000);
});

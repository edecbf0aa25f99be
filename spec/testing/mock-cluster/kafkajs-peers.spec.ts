import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(brokers: number): Promise<{ cluster: MockCluster; kafka: Kafka }> {
  const cluster = await MockCluster.start({ brokers });
  cleanups.push(() => cluster.stop());
  const kafka = new Kafka({
    brokers: cluster.bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 20, retries: 10, maxRetryTime: 200 },
    connectionTimeout: 1000,
  });
  return { cluster, kafka };
}

async function producer(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  cleanups.push(() => p.disconnect());
  return p;
}

/** Every value in a topic's logs, each checked to sit at dense, ordered offsets. */
function logValues(cluster: MockCluster, topic: string, partitions: number): string[] {
  const values: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const records = cluster.records(topic, p);
    expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
    values.push(...records.map((r) => r.value!.toString()));
  }
  return values;
}

describe('KafkaJS against MockCluster', () => {
  it('keeps 10,000 records from 4 concurrent producers each once, at dense ordered offsets', async () => {
    const { cluster, kafka } = await start(3);
    await cluster.createTopic('load', { partitions: 3, replicationFactor: 3 });
    const producers = await Promise.all([0, 1, 2, 3].map(() => producer(kafka)));
    await Promise.all(
      producers.map(async (p, n) => {
        for (let batch = 0; batch < 25; batch++) {
          const messages = Array.from({ length: 100 }, (_, i) => ({ key: `p${n}-${batch * 100 + i}`, value: `p${n}-${batch * 100 + i}` }));
          await p.send({ topic: 'load', messages });
        }
      }),
    );
    const values = logValues(cluster, 'load', 3);
    expect(values).toHaveLength(10_000);
    expect(new Set(values).size).toBe(10_000);
    // per producer and partition, the order each producer sent is kept
    for (let p = 0; p < 3; p++) {
      const seq = cluster.records('load', p).map((r) => r.value!.toString());
      for (let n = 0; n < 4; n++) {
        const mine = seq.filter((v) => v.startsWith(`p${n}-`)).map((v) => Number(v.split('-')[1]));
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }
  });

  it('re-routes after moveLeader and setBrokerDown, losing no acknowledged record', async () => {
    const { cluster, kafka } = await start(3);
    await cluster.createTopic('moving', { partitions: 3, replicationFactor: 3 });
    const p = await producer(kafka);
    const sent: string[] = [];
    const acked: string[] = [];
    const ackedPartitions: number[][] = [];
    // Acknowledged = in a partition that send() reported back without error. (KafkaJS can
    // resolve send() without reporting a partition whose leader vanished: kafkajs#1303.)
    const send = async (from: number, count: number) => {
      const messages = Array.from({ length: count }, (_, i) => ({ partition: (from + i) % 3, value: `v${from + i}` }));
      sent.push(...messages.map((m) => m.value));
      const result = await p.send({ topic: 'moving', messages, acks: -1 });
      const ok = result.filter((r) => r.errorCode === 0).map((r) => r.partition);
      ackedPartitions.push(ok.sort());
      acked.push(...messages.filter((m) => ok.includes(m.partition)).map((m) => m.value));
    };
    await send(0, 300);
    for (let partition = 0; partition < 3; partition++) {
      const leader = cluster.state.partition('moving', partition)!.leader;
      cluster.moveLeader('moving', partition, (leader % 3) + 1);
    }
    await send(300, 300);
    const victim = cluster.state.partition('moving', 0)!.leader;
    cluster.setBrokerDown(victim);
    await send(600, 300);
    await send(900, 300);
    cluster.setBrokerUp(victim);
    await send(1200, 300);

    // After each fault, every partition is acknowledged again from its new leader.
    expect(ackedPartitions[1]).toEqual([0, 1, 2]);
    expect(ackedPartitions[ackedPartitions.length - 1]).toEqual([0, 1, 2]);
    expect(ackedPartitions[3]).toEqual([0, 1, 2]);
    const stored = logValues(cluster, 'moving', 3);
    expect(new Set(stored).size).toBe(stored.length);
    for (const value of acked) expect(stored).toContain(value);
    for (const value of stored) expect(sent).toContain(value);
  });
});

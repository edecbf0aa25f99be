import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(brokers = 3) {
  const cluster = await MockCluster.start({ brokers });
  cleanups.push(() => cluster.stop());
  const kafka = new Kafka({
    brokers: cluster.bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 20, maxRetryTime: 200, retries: 5 },
  });
  return { cluster, kafka };
}

async function transactional(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return producer;
}

const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }));

/** Values a group consumer reads from the start until it has seen `last`. */
async function consumeUntil(kafka: Kafka, topic: string, readUncommitted: boolean, last: string): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: `reader-${readUncommitted ? 'uncommitted' : 'committed'}`,
    readUncommitted,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
  });
  await consumer.connect();
  cleanups.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const value = message.value?.toString() ?? '<null>';
          seen.push(value);
          if (value === last) resolve();
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.stop();
  return seen;
}

describe('KafkaJS transactions against MockCluster', () => {
  it('read_committed consumers see committed transactions only; read_uncommitted see all, no control records', async () => {
    const { cluster, kafka } = await setup();
    await cluster.createTopic('tx', { partitions: 1 });
    const producer = await transactional(kafka, 'tx-producer');

    const committed = await producer.transaction();
    await committed.send({ topic: 'tx', messages: messages('c', 10) });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: 'tx', messages: messages('a', 10) });
    await aborted.abort();

    const sentinel = await producer.transaction();
    await sentinel.send({ topic: 'tx', messages: messages('d', 3) });
    await sentinel.commit();

    const all = cluster.records('tx', 0);
    expect(all.filter((r) => r.control).map((r) => r.control?.type)).toEqual(['commit', 'abort', 'commit']);

    const readCommitted = await consumeUntil(kafka, 'tx', false, 'd2');
    expect(readCommitted).toEqual([...messages('c', 10), ...messages('d', 3)].map((m) => m.value));
    const readUncommitted = await consumeUntil(kafka, 'tx', true, 'd2');
    expect(readUncommitted).toEqual([...messages('c', 10), ...messages('a', 10), ...messages('d', 3)].map((m) => m.value));
  });

  it('fences the older of two producers with the same transactional id', async () => {
    const { cluster, kafka } = await setup();
    await cluster.createTopic('fence', { partitions: 2 });
    const older = await transactional(kafka, 'shared-id');
    const txn = await older.transaction();
    await txn.send({ topic: 'fence', messages: [{ partition: 0, value: 'old' }] });

    const newer = await transactional(kafka, 'shared-id');
    // KafkaJS sends InitProducerId for a transactional id when the first transaction begins
    const fresh = await newer.transaction();
    // the older producer's open transaction was aborted under a bumped epoch
    const log = cluster.state.partition('fence', 0)!.log;
    expect(log.lastStableOffset).toBe(log.logEndOffset);
    await expect(txn.send({ topic: 'fence', messages: [{ partition: 0, value: 'late' }] })).rejects.toMatchObject({
      type: expect.stringMatching(/^(INVALID_PRODUCER_EPOCH|PRODUCER_FENCED)$/) as unknown,
    });
    await expect(txn.commit()).rejects.toMatchObject({ type: expect.stringMatching(/^(INVALID_PRODUCER_EPOCH|PRODUCER_FENCED)$/) as unknown });

    await fresh.send({ topic: 'fence', messages: [{ partition: 0, value: 'new' }] });
    await fresh.commit();
    const data = cluster.records('fence', 0).filter((r) => !r.control).map((r) => r.value?.toString());
    expect(data).toEqual(['old', 'new']);
    expect(log.abortedTransactions(0n, log.logEndOffset)).toHaveLength(1);
  });

  it('sendOffsets become visible through OffsetFetch on commit, and not on abort', async () => {
    const { cluster, kafka } = await setup();
    await cluster.createTopic('in', { partitions: 2 });
    await cluster.createTopic('out', { partitions: 1 });
    const producer = await transactional(kafka, 'eos');
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const fetched = async (groupId: string) => {
      const [topic] = await admin.fetchOffsets({ groupId, topics: ['in'] });
      return topic.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
    };

    const aborted = await producer.transaction();
    await aborted.send({ topic: 'out', messages: [{ value: 'x' }] });
    await aborted.sendOffsets({ consumerGroupId: 'g-abort', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '3' }] }] });
    await aborted.abort();
    expect(await fetched('g-abort')).toEqual(['-1', '-1']);

    const committed = await producer.transaction();
    await committed.send({ topic: 'out', messages: [{ value: 'y' }] });
    await committed.sendOffsets({
      consumerGroupId: 'g-commit',
      topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '9' }] }],
    });
    expect(await fetched('g-commit')).toEqual(['-1', '-1']);
    await committed.commit();
    expect(await fetched('g-commit')).toEqual(['5', '9']);
  });
});

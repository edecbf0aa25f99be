import { firstValueFrom, type Subscription } from 'rxjs';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { connect, type Connection } from '../../../src/network/index.js';
import { AddPartitionsToTxn, InitProducerId, Produce } from '../../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { describeInterop, kcatConsume, kcatProduce } from '../../interop/harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(): Promise<MockCluster> {
  const cluster = await MockCluster.start({ brokers: 1 });
  cleanups.push(() => cluster.stop());
  return cluster;
}

const values = (records: ReadonlyArray<{ value: Buffer | null }>) => records.map((r) => r.value?.toString());

describeInterop('MockCluster transactions with kcat', ['kcat'], () => {
  it('kcat read_committed skips aborted transactions; read_uncommitted sees them, never the markers', async () => {
    const cluster = await start();
    await cluster.createTopic('txk', { partitions: 1 });
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: 'kcat-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    for (const [prefix, commit] of [['c', true], ['a', false], ['d', true]] as const) {
      const txn = await producer.transaction();
      await txn.send({ topic: 'txk', messages: [0, 1, 2].map((i) => ({ value: `${prefix}${i}` })) });
      await (commit ? txn.commit() : txn.abort());
    }
    const committed = await kcatConsume({ brokers: cluster.bootstrap, topic: 'txk', partition: 0, count: 100, extra: ['-X', 'isolation.level=read_committed'] });
    expect(values(committed)).toEqual(['c0', 'c1', 'c2', 'd0', 'd1', 'd2']);
    const uncommitted = await kcatConsume({ brokers: cluster.bootstrap, topic: 'txk', partition: 0, count: 100, extra: ['-X', 'isolation.level=read_uncommitted'] });
    expect(values(uncommitted)).toEqual(['c0', 'c1', 'c2', 'a0', 'a1', 'a2', 'd0', 'd1', 'd2']);
  });

  it('kcat read_committed stops at the last stable offset of an open transaction', async () => {
    const cluster = await start();
    await cluster.createTopic('open', { partitions: 1 });
    const [host, port] = cluster.bootstrap[0].split(':');
    const conn = await new Promise<Connection>((resolve, reject) => {
      const sub: Subscription = connect({ host, port: Number(port) }).subscribe({ next: resolve, error: reject });
      cleanups.push(() => sub.unsubscribe());
    });
    const produce = async (records: Buffer) =>
      (await firstValueFrom(conn.request(Produce, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'open', partitionData: [{ index: 0, records }] }] })))
        .responses[0].partitionResponses[0].errorCode;
    expect(await produce(await encodeRecordBatch([{ value: 'before' }], { now: Date.now() }))).toBe(0);
    const init = await firstValueFrom(conn.request(InitProducerId, { transactionalId: 'open-tx', transactionTimeoutMs: 60_000 }));
    await firstValueFrom(conn.request(AddPartitionsToTxn, {
      v3AndBelowTransactionalId: 'open-tx',
      v3AndBelowProducerId: init.producerId,
      v3AndBelowProducerEpoch: init.producerEpoch,
      v3AndBelowTopics: [{ name: 'open', partitions: [0] }],
    }, { version: 3 }));
    const pending = await encodeRecordBatch([{ value: 'pending' }], { now: Date.now(), producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0, transactional: true });
    expect(await produce(pending)).toBe(0);
    expect(await produce(await encodeRecordBatch([{ value: 'after' }], { now: Date.now() }))).toBe(0);

    const committed = await kcatConsume({ brokers: cluster.bootstrap, topic: 'open', partition: 0, count: 100, extra: ['-X', 'isolation.level=read_committed'] });
    expect(values(committed)).toEqual(['before']);
    const uncommitted = await kcatConsume({ brokers: cluster.bootstrap, topic: 'open', partition: 0, count: 100, extra: ['-X', 'isolation.level=read_uncommitted'] });
    expect(values(uncommitted)).toEqual(['before', 'pending', 'after']);
  });

  it('kcat idempotent producer (librdkafka InitProducerId and sequences) lands each record once', async () => {
    const cluster = await start();
    await cluster.createTopic('kidem', { partitions: 1 });
    const messages = Array.from({ length: 500 }, (_, i) => ({ value: `m${i}` }));
    await kcatProduce({ brokers: cluster.bootstrap, topic: 'kidem', partition: 0, messages, extra: ['-X', 'enable.idempotence=true'] });
    const log = cluster.state.partition('kidem', 0)!.log;
    expect(log.batches.every((b) => b.info.producerId >= 0n)).toBe(true);
    expect(values(cluster.records('kidem', 0))).toEqual(messages.map((m) => m.value));
  });
});

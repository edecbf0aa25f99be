import { firstValueFrom } from 'rxjs';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/network/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { InitProducerId, Produce } from '../../../src/protocol/messages/index.js';
import { encodeRecordBatch, recordBatchInfo } from '../../../src/protocol/records/index.js';
import { testScope } from '../../support/test-scope.js';
import { ProducerStateTable, addSequence } from '../../../src/testing/mock-cluster/producer-state.js';

const scope = testScope();

const start = scope.cluster;

const open = scope.open;

interface BatchSpec {
  producerId: bigint;
  epoch: number;
  seq: number;
  count: number;
  tag?: string;
}

const batch = (b: BatchSpec) =>
  encodeRecordBatch(
    Array.from({ length: b.count }, (_, i) => ({ value: `${b.tag ?? 'r'}-${b.seq + i}` })),
    { now: Date.now(), producerId: b.producerId, producerEpoch: b.epoch, baseSequence: b.seq },
  );

async function produce(conn: Connection, topic: string, records: Buffer) {
  const res = await firstValueFrom(
    conn.request(Produce, { acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }),
  );
  const p = res.responses[0].partitionResponses[0];
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

describe('MockCluster idempotent produce (own connection)', () => {
  async function setup() {
    const cluster = await start();
    await cluster.createTopic('idem', { partitions: 1 });
    const conn = await open(cluster.bootstrap[0]);
    const init = await firstValueFrom(conn.request(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 }));
    expect(init.errorCode).toBe(0);
    expect(init.producerEpoch).toBe(0);
    return { cluster, conn, producerId: init.producerId };
  }

  it('allocates a distinct producer id per InitProducerId without a transactional id', async () => {
    const { conn, producerId } = await setup();
    const again = await firstValueFrom(conn.request(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 }));
    expect(again.producerId).not.toBe(producerId);
    expect(again.producerId >= 0n).toBe(true);
  });

  it('appends a re-sent batch once and answers the duplicate with the first base offset', async () => {
    const { cluster, conn, producerId } = await setup();
    expect(await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 0, count: 3, tag: 'a' }))).toEqual({ errorCode: 0, baseOffset: 0n });
    const second = await batch({ producerId, epoch: 0, seq: 3, count: 2, tag: 'b' });
    expect(await produce(conn, 'idem', second)).toEqual({ errorCode: 0, baseOffset: 3n });
    expect(await produce(conn, 'idem', second)).toEqual({ errorCode: 0, baseOffset: 3n });
    expect(await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 0, count: 3, tag: 'a' }))).toEqual({ errorCode: 0, baseOffset: 0n });
    const values = cluster.records('idem', 0).map((r) => r.value?.toString());
    expect(values).toEqual(['a-0', 'a-1', 'a-2', 'b-3', 'b-4']);
    expect(cluster.state.partition('idem', 0)?.log.logEndOffset).toBe(5n);
  });

  it('remembers the last five batches only', async () => {
    const { cluster, conn, producerId } = await setup();
    const sent: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      sent.push(await batch({ producerId, epoch: 0, seq: i, count: 1 }));
      expect((await produce(conn, 'idem', sent[i])).baseOffset).toBe(BigInt(i));
    }
    expect(await produce(conn, 'idem', sent[1])).toEqual({ errorCode: 0, baseOffset: 1n });
    expect((await produce(conn, 'idem', sent[0])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(cluster.records('idem', 0)).toHaveLength(6);
  });

  it('answers OUT_OF_ORDER_SEQUENCE_NUMBER for a gap and appends nothing', async () => {
    const { cluster, conn, producerId } = await setup();
    await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 0, count: 2 }));
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 3, count: 1 }))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(cluster.records('idem', 0)).toHaveLength(2);
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 2, count: 1 }))).errorCode).toBe(0);
  });

  it('answers INVALID_PRODUCER_EPOCH for an older epoch, and a new epoch must start at 0', async () => {
    const { cluster, conn, producerId } = await setup();
    await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 0, count: 2 }));
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 1, seq: 5, count: 1 }))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 1, seq: 0, count: 1 }))).errorCode).toBe(0);
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 2, count: 1 }))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(cluster.records('idem', 0)).toHaveLength(3);
  });

  it('answers UNKNOWN_PRODUCER_ID for a producer it never saw starting past sequence 0', async () => {
    const { conn, producerId } = await setup();
    expect((await produce(conn, 'idem', await batch({ producerId, epoch: 0, seq: 7, count: 1 }))).errorCode).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
  });

  it('checks several batches of one payload in order, all or nothing', async () => {
    const { cluster, conn, producerId } = await setup();
    const ok = Buffer.concat([await batch({ producerId, epoch: 0, seq: 0, count: 2 }), await batch({ producerId, epoch: 0, seq: 2, count: 2 })]);
    expect(await produce(conn, 'idem', ok)).toEqual({ errorCode: 0, baseOffset: 0n });
    const gap = Buffer.concat([await batch({ producerId, epoch: 0, seq: 4, count: 1 }), await batch({ producerId, epoch: 0, seq: 9, count: 1 })]);
    expect((await produce(conn, 'idem', gap)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(cluster.records('idem', 0)).toHaveLength(4);
  });

  it('refuses a transactional batch for a partition outside any transaction', async () => {
    const { cluster, conn, producerId } = await setup();
    const records = await encodeRecordBatch([{ value: 'x' }], { now: Date.now(), producerId, producerEpoch: 0, baseSequence: 0, transactional: true });
    expect((await produce(conn, 'idem', records)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(cluster.records('idem', 0)).toHaveLength(0);
  });
});

describe('producer state table', () => {
  const MAX = 0x7fffffff;
  const info = async (seq: number, count: number, epoch = 0) =>
    recordBatchInfo(
      await encodeRecordBatch(
        Array.from({ length: count }, () => ({ value: 'v' })),
        { now: Date.now(), producerId: 1n, producerEpoch: epoch, baseSequence: seq },
      ),
    );

  it('wraps sequences at int32 max', async () => {
    expect(addSequence(MAX - 1, 2)).toBe(0);
    expect(addSequence(MAX, 1)).toBe(0);
    const table = new ProducerStateTable();
    table.appended(await info(MAX - 1, 2), 0n);
    expect(table.get(1n)?.lastSeq).toBe(MAX);
    expect(table.check(await info(0, 1)).kind).toBe('append');
    expect(table.check(await info(1, 1)).kind).toBe('error');
    table.appended(await info(0, 1), 2n);
    // a batch straddling the wrap is recognised as a duplicate by both of its sequences
    table.appended(await info(MAX - 1, 3), 10n);
    expect(table.get(1n)?.lastSeq).toBe(0);
    expect(table.check(await info(MAX - 1, 3))).toEqual({ kind: 'duplicate', baseOffset: 10n });
  });
});

describe('KafkaJS idempotent producer against MockCluster', () => {
  it('writes every record exactly once, in order, through retried produce errors', async () => {
    const cluster = await start({ brokers: 3 });
    await cluster.createTopic('idem-kjs', { partitions: 3, replicationFactor: 3 });
    // NOT_LEADER_OR_FOLLOWER (6) and REQUEST_TIMED_OUT (7): retriable for KafkaJS
    const injected = [6, 7, 6, 7, 7, 6];
    cluster.injectErrors('Produce', injected);
    let produceRequests = 0;
    const counting = cluster.requests$.subscribe((r) => {
      if (r.apiKey === Produce.apiKey) produceRequests++;
    });
    scope.defer(() => counting.unsubscribe());
    const kafka = new Kafka({
      brokers: cluster.bootstrap,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 10, maxRetryTime: 50, retries: 10 },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    scope.defer(() => producer.disconnect());
    const total = 2000;
    const perSend = 100;
    for (let from = 0; from < total; from += perSend) {
      await producer.send({
        topic: 'idem-kjs',
        messages: Array.from({ length: perSend }, (_, i) => ({ partition: (from + i) % 3, value: String(from + i) })),
      });
    }
    let seen = 0;
    for (let p = 0; p < 3; p++) {
      const records = cluster.records('idem-kjs', p);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
      const values = records.map((r) => Number(r.value?.toString()));
      const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 3 === p);
      expect(values).toEqual(expected);
      seen += records.length;
    }
    expect(seen).toBe(total);
    // every send reaches the three leaders once, and each injected error cost one retry
    expect(produceRequests).toBeGreaterThanOrEqual((total / perSend) * 3 + injected.length);
  });
});

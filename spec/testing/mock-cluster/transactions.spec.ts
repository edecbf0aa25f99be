import { firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/network/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  EndTxn,
  Fetch,
  InitProducerId,
  ListOffsets,
  Produce,
  TxnOffsetCommit,
} from '../../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch, recordBatchInfo } from '../../../src/protocol/records/index.js';
import { MockCluster } from '../../../src/testing/index.js';
import { testScope } from '../../support/test-scope.js';
import { PartitionLog } from '../../../src/testing/mock-cluster/partition-log.js';

const scope = testScope();

const start = scope.cluster;

function open(cluster: MockCluster, brokerId: number): Promise<Connection> {
  const b = cluster.state.brokers.get(brokerId)!;
  return scope.open(`${b.host}:${b.port}`);
}

/** A transactional producer speaking raw requests: to its coordinator and to the partition leader. */
class RawTxnProducer {
  producerId = -1n;
  epoch = -1;
  private seq = 0;
  constructor(
    readonly id: string,
    private readonly coordinator: Connection,
    private readonly leader: Connection,
  ) {}

  async init(timeoutMs = 60_000, version?: number): Promise<number> {
    const res = await firstValueFrom(
      this.coordinator.request(InitProducerId, { transactionalId: this.id, transactionTimeoutMs: timeoutMs }, { version }),
    );
    if (res.errorCode === 0) {
      this.producerId = res.producerId;
      this.epoch = res.producerEpoch;
      this.seq = 0;
    }
    return res.errorCode;
  }

  async addPartitions(topic: string, partitions: number[], version = 3): Promise<number[]> {
    const res = await firstValueFrom(
      this.coordinator.request(
        AddPartitionsToTxn,
        {
          v3AndBelowTransactionalId: this.id,
          v3AndBelowProducerId: this.producerId,
          v3AndBelowProducerEpoch: this.epoch,
          v3AndBelowTopics: [{ name: topic, partitions }],
        },
        { version },
      ),
    );
    return res.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode));
  }

  async produce(topic: string, values: string[], partition = 0): Promise<{ errorCode: number; baseOffset: bigint }> {
    const records = await encodeRecordBatch(
      values.map((value) => ({ value })),
      { now: Date.now(), producerId: this.producerId, producerEpoch: this.epoch, baseSequence: this.seq, transactional: true },
    );
    const res = await firstValueFrom(
      this.leader.request(Produce, {
        transactionalId: this.id,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
      }),
    );
    const p = res.responses[0].partitionResponses[0];
    if (p.errorCode === 0) this.seq += values.length;
    return { errorCode: p.errorCode, baseOffset: p.baseOffset };
  }

  /** From v5 the answer carries the epoch to continue with. */
  async end(committed: boolean, version = this.coordinator.versionFor(EndTxn), epoch = this.epoch) {
    const res = await firstValueFrom(
      this.coordinator.request(
        EndTxn,
        { transactionalId: this.id, producerId: this.producerId, producerEpoch: epoch, committed },
        { version },
      ),
    );
    if (res.errorCode === 0 && version >= 5) {
      this.producerId = res.producerId;
      this.epoch = res.producerEpoch;
      this.seq = 0;
    }
    return res;
  }
}

async function fetchFrom(conn: Connection, topic: string, isolationLevel: number, fetchOffset = 0n) {
  const res = await firstValueFrom(
    conn.request(Fetch, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    }, { version: 12 }),
  );
  const p = res.responses[0].partitions[0];
  const batches = p.records && p.records.length > 0 ? await decodeRecordBatches(p.records) : [];
  return { partition: p, batches };
}

/** A one-partition topic on a cluster of one broker: coordinator and leader are the same. */
async function single(id = 'txn-1') {
  const cluster = await start();
  await cluster.createTopic('t', { partitions: 1 });
  const conn = await open(cluster, 1);
  const producer = new RawTxnProducer(id, conn, conn);
  expect(await producer.init()).toBe(0);
  return { cluster, conn, producer };
}

describe('MockCluster InitProducerId with a transactional id', () => {
  it('is answered by the coordinator only', async () => {
    const cluster = await start({ brokers: 3 });
    const coordinator = cluster.state.coordinatorFor('tx-a')!.id;
    const other = [1, 2, 3].find((id) => id !== coordinator)!;
    const wrong = await open(cluster, other);
    const res = await firstValueFrom(wrong.request(InitProducerId, { transactionalId: 'tx-a', transactionTimeoutMs: 1000 }));
    expect(res.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const right = await open(cluster, coordinator);
    const ok = await firstValueFrom(right.request(InitProducerId, { transactionalId: 'tx-a', transactionTimeoutMs: 1000 }));
    expect(ok).toMatchObject({ errorCode: 0, producerEpoch: 0 });
  });

  it('keeps the producer id of a transactional id and bumps its epoch for each new producer', async () => {
    const { conn, producer } = await single();
    const again = new RawTxnProducer('txn-1', conn, conn);
    expect(await again.init()).toBe(0);
    expect(again.producerId).toBe(producer.producerId);
    expect(again.epoch).toBe(producer.epoch + 1);
    const otherId = new RawTxnProducer('txn-2', conn, conn);
    await otherId.init();
    expect(otherId.producerId).not.toBe(producer.producerId);
  });

  it('refuses a timeout above the maximum and an empty transactional id', async () => {
    const cluster = await start();
    const conn = await open(cluster, 1);
    const tooLong = await firstValueFrom(conn.request(InitProducerId, { transactionalId: 'x', transactionTimeoutMs: 900_001 }));
    expect(tooLong.errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const empty = await firstValueFrom(conn.request(InitProducerId, { transactionalId: '', transactionTimeoutMs: 1000 }));
    expect(empty.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('checks the id and epoch a v3+ producer says it holds', async () => {
    const { conn, producer } = await single();
    const resume = (producerId: bigint, producerEpoch: number) =>
      firstValueFrom(conn.request(InitProducerId, { transactionalId: 'txn-1', transactionTimeoutMs: 1000, producerId, producerEpoch }, { version: 4 }));
    expect((await resume(producer.producerId + 99n, producer.epoch)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await resume(producer.producerId, producer.epoch + 5)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await resume(producer.producerId, producer.epoch)).toMatchObject({ errorCode: 0, producerId: producer.producerId, producerEpoch: producer.epoch + 1 });
  });
});

describe('MockCluster transactions over raw requests', () => {
  it('holds the last stable offset at an open transaction and hides it from read_committed', async () => {
    const { cluster, conn, producer } = await single();
    await firstValueFrom(conn.request(Produce, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: await encodeRecordBatch([{ value: 'plain' }], { now: Date.now() }) }] }],
    }));
    expect(await producer.addPartitions('t', [0])).toEqual([0]);
    expect(await producer.produce('t', ['a', 'b'])).toEqual({ errorCode: 0, baseOffset: 1n });
    const log = cluster.state.partition('t', 0)!.log;
    expect(log.lastStableOffset).toBe(1n);
    expect(log.logEndOffset).toBe(3n);

    const committed = await fetchFrom(conn, 't', 1);
    expect(committed.partition.lastStableOffset).toBe(1n);
    expect(committed.batches.flatMap((b) => b.records.map((r) => r.value?.toString()))).toEqual(['plain']);
    const uncommitted = await fetchFrom(conn, 't', 0);
    expect(uncommitted.batches.flatMap((b) => b.records.map((r) => r.value?.toString()))).toEqual(['plain', 'a', 'b']);

    const latest = await firstValueFrom(conn.request(ListOffsets, {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    }));
    expect(latest.topics[0].partitions[0].offset).toBe(1n);

    const epoch = producer.epoch;
    expect((await producer.end(true)).errorCode).toBe(0);
    expect(log.lastStableOffset).toBe(4n);
    const after = await fetchFrom(conn, 't', 1);
    const control = after.batches.filter((b) => b.isControl);
    expect(control).toHaveLength(1);
    expect(control[0]).toMatchObject({ isTransactional: true, producerId: producer.producerId, producerEpoch: epoch, baseOffset: 3n });
    expect(control[0].records[0].control?.type).toBe('commit');
    expect(after.partition.abortedTransactions).toEqual([]);
  });

  it('lists an aborted transaction for read_committed fetches that overlap it', async () => {
    const { cluster, conn, producer } = await single();
    await producer.addPartitions('t', [0]);
    await producer.produce('t', ['x', 'y']);
    const end = await producer.end(false);
    expect(end.errorCode).toBe(0);
    const fetched = await fetchFrom(conn, 't', 1);
    expect(fetched.partition.abortedTransactions).toEqual([{ producerId: producer.producerId, firstOffset: 0n }]);
    expect(fetched.batches.at(-1)?.records[0].control?.type).toBe('abort');
    // read past the abort marker: nothing to skip any more
    const past = await fetchFrom(conn, 't', 1, 3n);
    expect(past.partition.abortedTransactions).toEqual([]);
    expect(cluster.state.partition('t', 0)!.log.lastStableOffset).toBe(3n);
  });

  it('retries of the same end succeed; the opposite end is INVALID_TXN_STATE', async () => {
    const { producer } = await single();
    await producer.addPartitions('t', [0]);
    await producer.produce('t', ['x']);
    expect((await producer.end(true, 4)).errorCode).toBe(0);
    expect((await producer.end(true, 4)).errorCode).toBe(0);
    expect((await producer.end(false, 4)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('refuses a transactional produce to a partition not added, and unknown partitions in AddPartitionsToTxn', async () => {
    const { cluster, producer } = await single();
    await cluster.createTopic('two', { partitions: 2 });
    expect(await producer.addPartitions('two', [0])).toEqual([0]);
    expect((await producer.produce('two', ['no'], 1)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await producer.produce('two', ['yes'], 0)).errorCode).toBe(0);
    expect(await producer.addPartitions('two', [1, 7])).toEqual([55 /* OPERATION_NOT_ATTEMPTED */, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  it('fences the older producer of a transactional id and aborts its open transaction', async () => {
    const { cluster, conn, producer } = await single();
    await producer.addPartitions('t', [0]);
    await producer.produce('t', ['old']);
    const newer = new RawTxnProducer('txn-1', conn, conn);
    expect(await newer.init()).toBe(0);
    const log = cluster.state.partition('t', 0)!.log;
    expect(log.lastStableOffset).toBe(log.logEndOffset);
    expect(log.abortedTransactions(0n, log.logEndOffset)).toEqual([{ producerId: producer.producerId, firstOffset: 0n }]);
    // the old producer: fenced at the coordinator (per version) and at the partition
    expect(await producer.addPartitions('t', [0], 1)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await producer.addPartitions('t', [0], 3)).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect((await producer.end(true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await producer.end(true, 3)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await producer.produce('t', ['late'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // the newer one works, starting at sequence 0
    expect(await newer.addPartitions('t', [0])).toEqual([0]);
    expect((await newer.produce('t', ['new'])).errorCode).toBe(0);
    expect((await newer.end(true)).errorCode).toBe(0);
    expect(cluster.records('t', 0).filter((r) => !r.control).map((r) => r.value?.toString())).toEqual(['old', 'new']);
  });

  it('aborts a transaction past its timeout on the cluster scheduler and fences its producer', async () => {
    const scheduler = new VirtualTimeScheduler();
    const cluster = await start({ scheduler });
    await cluster.createTopic('t', { partitions: 1 });
    const conn = await open(cluster, 1);
    const producer = new RawTxnProducer('slow', conn, conn);
    expect(await producer.init(5000)).toBe(0);
    await producer.addPartitions('t', [0]);
    await producer.produce('t', ['late']);
    const log = cluster.state.partition('t', 0)!.log;
    expect(log.lastStableOffset).toBe(0n);
    scheduler.flush();
    expect(log.lastStableOffset).toBe(2n);
    expect(log.abortedTransactions(0n, 2n)).toEqual([{ producerId: producer.producerId, firstOffset: 0n }]);
    expect((await producer.end(true, 3)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // v3+ may resume with the epoch it held before the timeout
    const resumed = await firstValueFrom(conn.request(InitProducerId, {
      transactionalId: 'slow',
      transactionTimeoutMs: 5000,
      producerId: producer.producerId,
      producerEpoch: producer.epoch,
    }, { version: 3 }));
    expect(resumed.errorCode).toBe(0);
    expect(resumed.producerEpoch).toBeGreaterThan(producer.epoch + 1);
  });

  it('cancels open transaction timers when the cluster stops', async () => {
    const scheduler = new VirtualTimeScheduler();
    const cluster = await MockCluster.start({ scheduler });
    await cluster.createTopic('t', { partitions: 1 });
    const conn = await open(cluster, 1);
    const producer = new RawTxnProducer('stop', conn, conn);
    await producer.init(5000);
    await producer.addPartitions('t', [0]);
    expect(scheduler.actions.length).toBeGreaterThan(0);
    await cluster.stop();
    expect(scheduler.actions.filter((a) => !a.closed)).toHaveLength(0);
  });

  it('EndTxn v5 bumps the epoch and answers it', async () => {
    const { producer } = await single();
    await producer.addPartitions('t', [0]);
    await producer.produce('t', ['a']);
    const before = producer.epoch;
    const end = await producer.end(true, 5);
    expect(end).toMatchObject({ errorCode: 0, producerId: producer.producerId, producerEpoch: before + 1 });
    // a retry with the epoch it ended succeeds with the same answer; the opposite end does not
    expect(await producer.end(true, 5, before)).toMatchObject({ errorCode: 0, producerEpoch: before + 1 });
    expect((await producer.end(false, 5, before)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // the next transaction runs on the new epoch from sequence 0
    expect(producer.epoch).toBe(before + 1);
    await producer.addPartitions('t', [0]);
    expect((await producer.produce('t', ['b'])).errorCode).toBe(0);
    expect((await producer.end(false)).errorCode).toBe(0);
  });

  it('verifies partitions with the v4+ batched form, adding nothing when verifyOnly', async () => {
    const { conn, producer } = await single();
    const ask = (verifyOnly: boolean, partitions: number[]) =>
      firstValueFrom(conn.request(AddPartitionsToTxn, {
        transactions: [{ transactionalId: 'txn-1', producerId: producer.producerId, producerEpoch: producer.epoch, verifyOnly, topics: [{ name: 't', partitions }] }],
      }, { version: 5 }));
    const codes = (res: Awaited<ReturnType<typeof ask>>) => res.resultsByTransaction[0].topicResults[0].resultsByPartition.map((p) => p.partitionErrorCode);
    expect(codes(await ask(true, [0]))).toEqual([ErrorCode.INVALID_TXN_STATE]);
    expect(codes(await ask(false, [0]))).toEqual([0]);
    expect(codes(await ask(true, [0]))).toEqual([0]);
    expect((await producer.produce('t', ['a'])).errorCode).toBe(0);
  });
});

describe('MockCluster transactional offsets', () => {
  it('makes TxnOffsetCommit offsets visible on commit only', async () => {
    const { cluster, conn, producer } = await single();
    const group = 'g1';
    const coordinatorOfGroup = cluster.state.coordinatorFor(group)!;
    expect(coordinatorOfGroup.id).toBe(1);
    const addOffsets = () =>
      firstValueFrom(conn.request(AddOffsetsToTxn, { transactionalId: 'txn-1', producerId: producer.producerId, producerEpoch: producer.epoch, groupId: group }));
    const commitOffset = (offset: bigint) =>
      firstValueFrom(conn.request(TxnOffsetCommit, {
        transactionalId: 'txn-1',
        groupId: group,
        producerId: producer.producerId,
        producerEpoch: producer.epoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
      }));
    // without AddOffsetsToTxn first, the offsets have no transaction to wait in
    expect((await commitOffset(1n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await addOffsets()).errorCode).toBe(0);
    expect((await commitOffset(5n)).topics[0].partitions[0].errorCode).toBe(0);
    expect(cluster.state.offsets.fetch(group, 't', 0)).toBeUndefined();
    expect((await producer.end(false)).errorCode).toBe(0);
    expect(cluster.state.offsets.fetch(group, 't', 0)).toBeUndefined();

    await addOffsets();
    await commitOffset(7n);
    expect((await producer.end(true)).errorCode).toBe(0);
    expect(cluster.state.offsets.fetch(group, 't', 0)?.offset).toBe(7n);
  });
});

describe('PartitionLog transactions', () => {
  async function batch(producerId: bigint, values: string[], seq: number, options: { control?: 'commit' | 'abort' } = {}) {
    return encodeRecordBatch(values.map((value) => ({ value })), { now: Date.now(),
      producerId,
      producerEpoch: 0,
      baseSequence: options.control ? -1 : seq,
      transactional: true,
      control: options.control !== undefined,
    });
  }

  it('selects aborted transactions by overlap with [from, upTo) and keeps the LSO at the earliest open one', async () => {
    const log = new PartitionLog();
    const add = async (pid: bigint, values: string[], seq: number) => {
      const bytes = await batch(pid, values, seq);
      return log.append(bytes, recordBatchInfo(bytes), 0, 0);
    };
    const mark = async (pid: bigint, commit: boolean) => {
      const bytes = await encodeRecordBatch([{ key: Buffer.from([0, 0, 0, commit ? 1 : 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { now: Date.now(),
        producerId: pid,
        producerEpoch: 0,
        transactional: true,
        control: true,
      });
      return log.appendMarker(bytes, recordBatchInfo(bytes), 0, 0, commit);
    };
    await add(1n, ['a', 'b'], 0); // 0-1
    await add(2n, ['c'], 0); // 2
    expect(log.lastStableOffset).toBe(0n);
    await mark(1n, false); // 3
    expect(log.lastStableOffset).toBe(2n);
    await mark(2n, true); // 4
    expect(log.lastStableOffset).toBe(5n);
    await add(1n, ['d'], 2); // 5
    await mark(1n, false); // 6
    expect(log.abortedTransactions(0n, 7n)).toEqual([{ producerId: 1n, firstOffset: 0n }, { producerId: 1n, firstOffset: 5n }]);
    expect(log.abortedTransactions(4n, 7n)).toEqual([{ producerId: 1n, firstOffset: 5n }]);
    expect(log.abortedTransactions(0n, 5n)).toEqual([{ producerId: 1n, firstOffset: 0n }]);
    expect(log.abortedTransactions(7n, 7n)).toEqual([]);
    log.truncateBefore(4n);
    expect(log.abortedTransactions(0n, 7n)).toEqual([{ producerId: 1n, firstOffset: 5n }]);
  });
});

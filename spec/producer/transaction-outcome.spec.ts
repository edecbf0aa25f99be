import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode, TransactionAbortedError, TransactionOutcomeUnknownError, type KafkaClient } from '../../src/index.js';
import { EndTxn } from '../../src/protocol/messages/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/**
 * A 3-broker in-memory cluster and a transactional producer, on one virtual clock; the
 * partition led by a broker other than the transaction coordinator, so the coordinator's
 * troubles are its own.
 */
async function setup() {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('txn', { partitions: 1, replicationFactor: 3 });
  const client: KafkaClient = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, requestTimeoutMs: 1000 });
  const coordinator = await time.run(() => firstValueFrom(client.coordinator('transaction', 'app')));
  cluster.moveLeader('txn', 0, coordinator === 1 ? 2 : 1);
  const producer = client.producer({ transactionalId: 'app', transactionTimeoutMs: 5000 });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  /** What a read_committed consumer reads: records of committed transactions, in order. */
  const committed = () => {
    const out: string[] = [];
    let open: string[] = [];
    for (const r of cluster.records('txn', 0)) {
      if (r.control === undefined || r.control === null) open.push(r.value?.toString() ?? '');
      else {
        if (r.control.type === 'commit') out.push(...open);
        open = [];
      }
    }
    return out;
  };
  return { time, cluster, client, producer, coordinator, committed, done };
}

describe('a transaction is reported only once its outcome is known', () => {
  it('commits through CONCURRENT_TRANSACTIONS and a loading coordinator, asked more times than the client retries', async () => {
    const { time, cluster, producer, committed, done } = await setup();
    cluster.injectErrors('EndTxn', [...Array(4).fill(ErrorCode.CONCURRENT_TRANSACTIONS), ...Array(4).fill(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)]);
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'a' })));
    expect(committed()).toEqual(['a']);
    await done();
  });

  it('reports a commit that no answer confirmed within the transaction timeout as of unknown outcome, which the coordinator then settles', async () => {
    const { time, cluster, producer, coordinator, committed, done } = await setup();
    // the commit reaches the coordinator, which does it, and then falls silent
    const silence = cluster.requests$.subscribe((r) => {
      if (r.apiKey === EndTxn.apiKey) cluster.setLatency(coordinator, 3_600_000);
    });
    const started = time.now();
    const error = await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'a' })).catch((e: unknown) => e));
    silence.unsubscribe();
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError);
    expect(error).not.toBeInstanceOf(TransactionAbortedError);
    // asked again until the transaction timeout ran out, not given up after the client's retries
    expect(time.now() - started).toBeGreaterThanOrEqual(5000);
    // it did commit; the producer goes on once the coordinator is back
    cluster.setLatency(coordinator, 0);
    cluster.setBrokerDown(coordinator); // drops the connections stuck behind the silence
    cluster.setBrokerUp(coordinator);
    await time.advance(10_000); // the client's circuit for it, opened by the timeouts, lets a probe through
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'b' })));
    expect(committed()).toEqual(['a', 'b']);
    await done();
  });

  it('reports a commit the coordinator refused as aborted, and the next transaction takes the id again', async () => {
    const { time, cluster, producer, committed, done } = await setup();
    cluster.injectErrors('EndTxn', [ErrorCode.INVALID_TXN_STATE]);
    const error = await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'a' })).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(TransactionAbortedError);
    const epochBefore = cluster.state.transactions.get('app')?.epoch;
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'b' })));
    // InitProducerId again: the open transaction aborted under a new epoch, and 'b' committed
    expect(cluster.state.transactions.get('app')?.epoch).toBeGreaterThan(epochBefore ?? Infinity);
    expect(committed()).toEqual(['b']);
    await done();
  });

  it('aborts through CONCURRENT_TRANSACTIONS when the body fails, and reports the body failure', async () => {
    const { time, cluster, producer, committed, done } = await setup();
    cluster.injectErrors('EndTxn', Array(7).fill(ErrorCode.CONCURRENT_TRANSACTIONS));
    const error = await time.run(() =>
      producer
        .transaction(async (tx) => {
          await tx.send({ topic: 'txn', value: 'a' });
          throw new Error('the app changed its mind');
        })
        .catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(TransactionAbortedError);
    expect((error as Error).message).toMatch(/changed its mind/);
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'b' })));
    expect(committed()).toEqual(['b']);
    expect(cluster.records('txn', 0).filter((r) => r.control?.type === 'abort')).toHaveLength(1);
    await done();
  });
});

describe('a transaction asks again while the last one is still ending', () => {
  it('adds its partitions through CONCURRENT_TRANSACTIONS, as the previous markers are written', async () => {
    const { time, cluster, producer, committed, done } = await setup();
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'a' })));
    cluster.injectErrors('AddPartitionsToTxn', Array(6).fill(ErrorCode.CONCURRENT_TRANSACTIONS));
    await time.run(() => producer.transaction((tx) => tx.send({ topic: 'txn', value: 'b' })));
    expect(committed()).toEqual(['a', 'b']);
    await done();
  });
});

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode } from '../../src/index.js';
import { AddPartitionsToTxn, EndTxn, FindCoordinator } from '../../src/protocol/messages/index.js';
import { MockCluster } from '../../src/testing/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';

const { NOT_COORDINATOR } = ErrorCode;
const TRANSACTIONS = 20;
const PER_TRANSACTION = 50;
const values = (t: number) => Array.from({ length: PER_TRANSACTION }, (_, i) => `t${t}-${i}`);

/**
 * A transaction coordinator that moves, and answers NOT_COORDINATOR, costs a retry, never the
 * transaction: every one of 20 transactions commits, and read_committed sees every record once.
 */
describeInterop("transactions while the coordinator moves, in librdkafka's mock", ['librdkafka', 'kcat'], () => {
  it('20 transactions commit through two coordinator moves and NOT_COORDINATOR on AddPartitionsToTxn and EndTxn', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'txn', partitions: 1 }] });
    const client = createClient({ brokers: [...mock.bootstrap], retry: { maxRetries: 10, initialDelayMs: 20, maxDelayMs: 200 } });
    try {
      const producer = client.producer({ transactionalId: 'mover' });
      for (let t = 0; t < TRANSACTIONS; t++) {
        if (t === 5) await mock.setCoordinator('transaction', 'mover', 2);
        if (t === 12) await mock.setCoordinator('transaction', 'mover', 3);
        if (t % 4 === 1) await mock.pushErrors(AddPartitionsToTxn.apiKey, [NOT_COORDINATOR]);
        if (t % 4 === 3) await mock.pushErrors(EndTxn.apiKey, [NOT_COORDINATOR]);
        await producer.transaction(async (tx) => {
          await tx.send(values(t).map((value) => ({ topic: 'txn', value })));
        });
      }
      const total = TRANSACTIONS * PER_TRANSACTION;
      const read = await kcatConsume({ brokers: mock.bootstrap, topic: 'txn', partition: 0, count: total, extra: ['-X', 'isolation.level=read_committed'] });
      expect(read.map((r) => r.value!.toString())).toEqual(Array.from({ length: TRANSACTIONS }, (_, t) => values(t)).flat());
    } finally {
      await client.close();
      await mock.stop();
    }
  }, 120_000);
});

describe('coordinator routing against MockCluster', () => {
  it('looks the coordinator up once, caches it, and follows it when its broker goes down', async () => {
    const cluster = await MockCluster.start({ brokers: 3 });
    const client = createClient({ brokers: cluster.bootstrap, retry: { maxRetries: 5, initialDelayMs: 10, maxDelayMs: 50 } });
    try {
      await cluster.createTopic('txn', { partitions: 1 });
      const finds: number[] = [];
      // the coordinator's requests in the order the brokers read them, by API name
      const byKey = new Map([FindCoordinator, AddPartitionsToTxn, EndTxn].map((api) => [api.apiKey, api.name]));
      const sequence: string[] = [];
      const sub = cluster.requests$.subscribe((r) => {
        if (r.apiKey === FindCoordinator.apiKey) finds.push(r.broker);
        const name = byKey.get(r.apiKey);
        if (name !== undefined) sequence.push(name);
      });
      const coordinator = await firstValueFrom(client.coordinator('transaction', 'app'));
      // the partition's leader elsewhere: failing a partition over off a dead broker is the
      // producer's business (and another test's), not the coordinator's
      cluster.moveLeader('txn', 0, coordinator === 1 ? 2 : 1);
      const producer = client.producer({ transactionalId: 'app' });
      for (let t = 0; t < 3; t++) await producer.transaction((tx) => tx.send({ topic: 'txn', value: `a${t}` }));
      expect(finds).toHaveLength(1); // cached: one FindCoordinator for three transactions
      cluster.injectErrors('EndTxn', [NOT_COORDINATOR]);
      cluster.injectErrors('AddPartitionsToTxn', [NOT_COORDINATOR]);
      sequence.length = 0;
      await producer.transaction((tx) => tx.send({ topic: 'txn', value: 'b' }));
      // each NOT_COORDINATOR dropped the cached coordinator: a FindCoordinator went out before
      // the request went again
      expect(sequence).toEqual(['AddPartitionsToTxn', 'FindCoordinator', 'AddPartitionsToTxn', 'EndTxn', 'FindCoordinator', 'EndTxn']);
      expect(finds).toHaveLength(3);
      cluster.setBrokerDown(coordinator);
      await producer.transaction((tx) => tx.send({ topic: 'txn', value: 'c' }));
      const moved = await firstValueFrom(client.coordinator('transaction', 'app'));
      expect(moved).not.toBe(coordinator);
      const data = cluster.records('txn', 0).filter((r) => r.value !== null && !r.control);
      expect(data.map((r) => r.value!.toString())).toEqual(['a0', 'a1', 'a2', 'b', 'c']);
      sub.unsubscribe();
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});

import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { ProducerFencedError } from '../../src/producer/errors.js';
import { partitionForKey } from '../../src/producer/partitioners/index.js';
import { MockCluster } from '../../src/testing/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock, type KcatRecord, type RdkafkaMock } from '../interop/harness.js';

const PRODUCE = 0;
const NOT_LEADER_OR_FOLLOWER = 6;
const REQUEST_TIMED_OUT = 7;

interface Target {
  bootstrap: readonly string[];
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

const targets: Record<string, () => Promise<Target>> = {
  MockCluster: async () => {
    const c = await MockCluster.start({ brokers: 3 });
    return { bootstrap: c.bootstrap, createTopic: (n, p) => c.createTopic(n, { partitions: p, replicationFactor: 3 }), stop: () => c.stop() };
  },
  "librdkafka's mock": async () => {
    const m = await startRdkafkaMock({ brokers: 3 });
    return { bootstrap: m.bootstrap, createTopic: (n, p) => m.createTopic(n, p, 3), stop: () => m.stop() };
  },
};

/** Reads a whole partition with kcat and checks values come back as consecutive integers. */
async function readBack(bootstrap: readonly string[], topic: string, partition: number, count: number): Promise<KcatRecord[]> {
  return count === 0 ? [] : kcatConsume({ brokers: bootstrap, topic, partition, count, timeoutMs: 60_000 });
}

function expectOrdered(records: readonly KcatRecord[]): void {
  const seq = records.map((r) => Number(r.value!.toString()));
  expect(seq).toEqual([...seq].sort((a, b) => a - b));
}

for (const [name, start] of Object.entries(targets)) {
  const needs = name === 'MockCluster' ? (['kcat'] as const) : (['librdkafka', 'kcat'] as const);
  describeInterop(`producer against ${name}, read back by kcat`, [...needs], () => {
    let target: Target;
    let client: KafkaClient;

    beforeAll(async () => {
      target = await start();
      client = createClient({ brokers: [...target.bootstrap], retry: { maxRetries: 5, initialDelayMs: 20, maxDelayMs: 200 } });
    });
    afterAll(async () => {
      await client?.close();
      await target?.stop();
    });

    it('100,000 keyed records into 6 partitions: where the Java partitioner puts them, all present, in order', async () => {
      await target.createTopic('keyed', 6);
      const producer = client.producer({ lingerMs: 5, batchBytes: 256 * 1024 });
      const total = 100_000;
      const counts = new Array<number>(6).fill(0);
      const sends: Array<Promise<unknown>> = [];
      for (let start = 0; start < total; start += 10_000) {
        const records = Array.from({ length: 10_000 }, (_, i) => {
          const key = `customer-${(start + i) % 1009}`;
          counts[partitionForKey(Buffer.from(key), 6)]++;
          return { topic: 'keyed', key, value: `${start + i}` };
        });
        sends.push(producer.send(records));
      }
      const metas = (await Promise.all(sends)) as Array<Array<{ partition: number; key?: string }>>;
      await producer.close();
      expect(metas.flat()).toHaveLength(total);
      for (let p = 0; p < 6; p++) {
        const back = await readBack(target.bootstrap, 'keyed', p, counts[p]);
        expect(back).toHaveLength(counts[p]);
        for (const r of back) expect(partitionForKey(r.key!, 6)).toBe(p);
        expectOrdered(back);
      }
    });
  });
}

describeInterop("idempotent producer through faults in librdkafka's mock", ['librdkafka', 'kcat'], () => {
  let mock: RdkafkaMock;
  let client: KafkaClient;

  beforeAll(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'faulty', partitions: 6 }] });
    client = createClient({ brokers: [...mock.bootstrap], retry: { maxRetries: 10, initialDelayMs: 20, maxDelayMs: 200 }, circuitBreaker: { failureThreshold: 1000 } });
  });
  afterAll(async () => {
    await client?.close();
    await mock?.stop();
  });

  it('sends 100,000 records exactly once, in order per partition, through errors, a leader move and a broker outage', async () => {
    // One request in flight: librdkafka's mock checks sequences only for transactional producers,
    // so a batch written while the one before it failed would land out of order, with nothing
    // to refuse it as Kafka does. Pipelined sends are checked against it transactionally
    // (pipelining-rdkafka.spec.ts) and plainly on MockCluster (pipelining.spec.ts).
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 5, batchBytes: 64 * 1024, maxInFlight: 1 });
    const total = 100_000;
    const step = 5_000;
    let next = 0;
    const sendRound = () => {
      const start = next;
      next += step;
      return producer.send(Array.from({ length: step }, (_, i) => ({ topic: 'faulty', key: `k${(start + i) % 101}`, value: `${start + i}` })));
    };
    const retries = async () => (await firstValueFrom(producer.stats$)).retries;
    const retriesAbove = (n: number) => firstValueFrom(producer.stats$.pipe(filter((s) => s.retries > n)));

    await Promise.all([sendRound(), sendRound()]);
    // Injected errors on the next Produce requests: retried, not duplicated.
    await mock.pushErrors(PRODUCE, [NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT]);
    await Promise.all([sendRound(), sendRound(), sendRound()]);
    expect(await retries()).toBeGreaterThan(0);
    // Leaders move mid-stream.
    const moving = [sendRound(), sendRound()];
    await mock.setLeader('faulty', 0, 2);
    await mock.setLeader('faulty', 1, 3);
    await Promise.all([...moving, sendRound()]);
    // A broker goes down while records for it are on their way, and comes back.
    await mock.setLeader('faulty', 4, 1);
    await mock.setLeader('faulty', 5, 1);
    await Promise.all([sendRound()]);
    const before = await retries();
    await mock.setBrokerDown(1);
    const during = [sendRound(), sendRound(), sendRound()];
    await retriesAbove(before);
    await mock.setBrokerUp(1);
    await Promise.all(during);
    while (next < total) await Promise.all([sendRound(), sendRound()].slice(0, Math.min(2, (total - next) / step)));
    await producer.close();

    const seen = new Set<string>();
    let read = 0;
    for (let p = 0; p < 6; p++) {
      const keys = Array.from({ length: 101 }, (_, k) => k).filter((k) => partitionForKey(Buffer.from(`k${k}`), 6) === p);
      const expected = keys.reduce((n, k) => n + Math.floor((total - 1 - k) / 101) + 1, 0);
      const back = await readBack(mock.bootstrap, 'faulty', p, expected);
      read += back.length;
      expectOrdered(back);
      for (const r of back) seen.add(r.value!.toString());
    }
    expect(read).toBe(total);
    expect(seen.size).toBe(total);
  }, 120_000);
});

describeInterop('transactions read by kcat read_committed', ['librdkafka', 'kcat'], () => {
  it("against librdkafka's mock: committed transactions are readable in order", async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'txn', partitions: 1 }] });
    const client = createClient({ brokers: [...mock.bootstrap], retry: { maxRetries: 10, initialDelayMs: 20, maxDelayMs: 200 } });
    try {
      const producer = client.producer({ transactionalId: 'tx-1' });
      await producer.transaction(async (tx) => {
        await tx.send([{ topic: 'txn', value: 'c1' }, { topic: 'txn', value: 'c2' }]);
      });
      await producer.transaction(async (tx) => {
        await tx.send({ topic: 'txn', value: 'c3' });
      });
      await producer.close();
      const committed = await kcatConsume({ brokers: mock.bootstrap, topic: 'txn', partition: 0, count: 3, extra: ['-X', 'isolation.level=read_committed'] });
      expect(committed.map((r) => r.value!.toString())).toEqual(['c1', 'c2', 'c3']);
    } finally {
      await client.close();
      await mock.stop();
    }
  });

  it('against MockCluster: a committed transaction is visible, an aborted one is not', async () => {
    const cluster = await MockCluster.start({ brokers: 3 });
    const client = createClient({ brokers: cluster.bootstrap });
    try {
      await cluster.createTopic('txn', { partitions: 1 });
      const producer = client.producer({ transactionalId: 'tx-1' });
      await producer.transaction(async (tx) => {
        await tx.send([{ topic: 'txn', value: 'c1' }, { topic: 'txn', value: 'c2' }]);
      });
      await expect(
        producer.transaction(async (tx) => {
          await tx.send({ topic: 'txn', value: 'aborted' });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow(/changed my mind/);
      await producer.transaction(async (tx) => {
        await tx.send({ topic: 'txn', value: 'c3' });
      });
      await producer.close();
      const committed = await kcatConsume({ brokers: cluster.bootstrap, topic: 'txn', partition: 0, count: 3, extra: ['-X', 'isolation.level=read_committed'] });
      expect(committed.map((r) => r.value!.toString())).toEqual(['c1', 'c2', 'c3']);
      const everything = await kcatConsume({ brokers: cluster.bootstrap, topic: 'txn', partition: 0, count: 4, extra: ['-X', 'isolation.level=read_uncommitted'] });
      expect(everything.map((r) => r.value!.toString())).toEqual(['c1', 'c2', 'aborted', 'c3']);
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});

describe('transactions against MockCluster', () => {
  it('commits, aborts and fences like the broker says', async () => {
    const cluster = await MockCluster.start({ brokers: 3 });
    const client = createClient({ brokers: cluster.bootstrap });
    try {
      await cluster.createTopic('t', { partitions: 2 });
      const producer = client.producer({ transactionalId: 'app' });
      await producer.transaction(async (tx) => {
        await tx.send([{ topic: 't', key: 'a', value: 'kept' }]);
        await tx.sendOffsets('group-1', [{ topic: 't', partition: 0, offset: 5n }]);
      });
      await expect(producer.transaction(async (tx) => {
        await tx.send({ topic: 't', key: 'a', value: 'dropped' });
        throw new Error('no');
      })).rejects.toThrow('no');
      const p = partitionForKey(Buffer.from('a'), 2);
      const records = cluster.records('t', p);
      expect(records.filter((r) => !r.control).map((r) => r.value?.toString())).toEqual(['kept', 'dropped']);
      expect(records.filter((r) => r.control).map((r) => r.control?.type)).toEqual(['commit', 'abort']);
      expect(cluster.state.offsets.fetch('group-1', 't', 0)?.offset).toBe(5n);
      const zombie = producer;
      const fresh = client.producer({ transactionalId: 'app' });
      await fresh.transaction(async (tx) => {
        await tx.send({ topic: 't', value: 'fresh' });
      });
      await expect(zombie.transaction(async (tx) => {
        await tx.send({ topic: 't', value: 'zombie' });
      })).rejects.toBeInstanceOf(ProducerFencedError);
      await fresh.close();
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});

import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { KafkaError } from '../../src/errors.js';
import { MockCluster } from '../../src/testing/index.js';

const INVALID_RECORD = 87;
const INVALID_PRODUCER_EPOCH = 47;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ cluster: MockCluster; client: KafkaClient }> {
  const cluster = await MockCluster.start({ brokers: 1 });
  cleanups.push(() => cluster.stop());
  const client = createClient({ brokers: cluster.bootstrap, retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 100 } });
  cleanups.push(() => client.close());
  return { cluster, client };
}

describe('idempotent producer after a batch fails for good (KIP-360)', () => {
  it.each([
    ['the broker bumps the epoch', [], true],
    ['the broker refuses the bump, so a fresh producer id serves', [INVALID_PRODUCER_EPOCH], false],
  ])('delivers the batches queued behind the lost one and later ones, once each, in order: %s', async (_, bumpErrors: number[], bumped: boolean) => {
    const { cluster, client } = await setup();
    await cluster.createTopic('gap', { partitions: 1 });
    // batchBytes 1: every record is a batch of its own, so several are in flight behind the lost one
    const producer = client.producer({ batchBytes: 1, lingerMs: 0 });
    cleanups.push(() => producer.close());
    await producer.send({ topic: 'gap', partition: 0, value: 'first' });

    cluster.injectErrors('InitProducerId', bumpErrors);
    cluster.injectErrors('Produce', [INVALID_RECORD]);
    const lost = producer.send({ topic: 'gap', partition: 0, value: 'lost' });
    const queued = ['b0', 'b1', 'b2'].map((value) => producer.send({ topic: 'gap', partition: 0, value }));
    const error: unknown = await lost.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).code).toBe(INVALID_RECORD);
    await Promise.all(queued);
    await producer.send([
      { topic: 'gap', partition: 0, value: 'c0' },
      { topic: 'gap', partition: 0, value: 'c1' },
    ]);

    expect(cluster.records('gap', 0).map((r) => r.value?.toString())).toEqual(['first', 'b0', 'b1', 'b2', 'c0', 'c1']);
    const batches = cluster.state.partition('gap', 0)!.log.batches.map((b) => b.info);
    const [before, ...after] = batches;
    for (const b of after) {
      // a new epoch of the same id where the broker bumps it, else a fresh id: never the old pair
      expect([b.producerId, b.producerEpoch]).not.toEqual([before.producerId, before.producerEpoch]);
      expect([b.producerId, b.producerEpoch]).toEqual([after[0].producerId, after[0].producerEpoch]);
    }
    if (bumped) expect([after[0].producerId, after[0].producerEpoch]).toEqual([before.producerId, before.producerEpoch + 1]);
    else expect(after[0].producerId).not.toBe(before.producerId);
    // re-stamped from sequence 0 in queue order, then continued by the batch sent after
    expect(after.map((b) => b.baseSequence)).toEqual([0, 1, 2, 3, 4]);
    const stats = await firstValueFrom(producer.stats$);
    // the three batches pipelined behind the lost one were refused as out of order and went
    // again once each, under the new stamp
    expect(stats).toMatchObject({ retries: 3, errors: 1, queuedRecords: 0, batches: 0 });
  });
});

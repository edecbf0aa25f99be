import { createClient, ProducerClosedError, type ClientConfig } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/**
 * A 3-broker MockCluster on the memory network with `topics` (3 partitions, replication 3 each)
 * and a client, sharing one virtual clock; `done()` closes the client and stops the cluster.
 */
export async function memoryCluster(topics: readonly string[], config: Partial<ClientConfig> = {}) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  for (const t of topics) await cluster.createTopic(t, { partitions: 3, replicationFactor: 3 });
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, ...config });
  const done = async () => {
    await time.run(() => client.close());
    await cluster.stop();
  };
  return { time, cluster, client, done };
}

/** A send's outcome in words, for comparing many at once. */
export const outcomeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'delivered',
    (e: unknown) => (e instanceof ProducerClosedError ? 'refused' : `failed: ${String(e)}`),
  );

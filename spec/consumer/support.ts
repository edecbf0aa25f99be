import { NEVER, Observable } from 'rxjs';
import { createClient, type ClientConfig, type KafkaClient } from '../../src/index.js';
import type { Transport, TransportSocket } from '../../src/network/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/** A 3-broker in-memory MockCluster with one topic, and clients on one virtual clock. */
export async function groupCluster(partitions: number, topic = 'orders', options: { autoCreateTopics?: boolean } = {}) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler, ...options });
  await cluster.createTopic(topic, { partitions, replicationFactor: 3 });
  const clients: KafkaClient[] = [];
  const client = (config: Partial<ClientConfig> = {}) => {
    const c = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, ...config });
    clients.push(c);
    return c;
  };
  const produce = async (count: number, from = 0) => {
    const producer = client().producer({});
    await time.run(() => producer.send(Array.from({ length: count }, (_, i) => ({ topic, key: `k${from + i}`, value: `v${from + i}` }))));
    await time.run(() => producer.close());
  };
  const committed = (group: string, partition: number) => cluster.state.offsets.fetch(group, topic, partition)?.offset ?? null;
  const done = async () => {
    await time.run(() => Promise.all(clients.map((c) => c.close())));
    await cluster.stop();
  };
  return { time, cluster, client, produce, committed, done, topic };
}

/**
 * A transport that can be frozen, as a process that hangs or dies is seen by the cluster: from
 * then on nothing it writes arrives, nothing reaches it, and new connections never open. Its
 * session at the coordinator then expires; it never leaves the group.
 */
export function freezable(inner: Transport | undefined): { transport: Transport; freeze(): void; thaw(): void } {
  if (inner === undefined) throw new Error('freezable: a memory-network cluster has a transport');
  let frozen = false;
  const transport: Transport = (target) => {
    if (frozen) return NEVER;
    return new Observable<TransportSocket>((subscriber) =>
      inner(target).subscribe({
        next: (socket) =>
          subscriber.next({
            write: (data, done) => (frozen ? done(null) : socket.write(data, done)),
            onData: (listener) => socket.onData((chunk) => {
              if (!frozen) listener(chunk);
            }),
            onClose: (listener) => socket.onClose(listener),
            close: () => socket.close(),
          }),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
  };
  // thawed, its connections work again (a process that hung and came back)
  return { transport, freeze: () => (frozen = true), thaw: () => (frozen = false) };
}

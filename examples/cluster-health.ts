/**
 * Starts a 3-broker MockCluster, asks it for metadata through rxkafka's client, takes one
 * broker down and shows the client's view of broker health (circuit state) as it changes.
 * Run: npm run example:cluster-health
 */
import { distinctUntilChanged, filter, firstValueFrom, map } from 'rxjs';
import { api, createClient } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic('orders', { partitions: 6, replicationFactor: 3 });
const client = createClient({
  brokers: cluster.bootstrap,
  retry: { maxRetries: 1, initialDelayMs: 50, maxDelayMs: 200 },
  circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 500 },
});

try {
  const meta = await client.metadata(['orders']);
  console.log(`cluster ${meta.clusterId}: brokers ${meta.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).join(', ')}`);
  for (const p of meta.topics[0].partitions) console.log(`  orders[${p.partition}] leader ${p.leader} replicas ${p.replicas.join(',')}`);

  const states = client.stats$
    .pipe(
      map((s) => s.brokers.map((b) => `${b.nodeId ?? b.address}=${b.circuit}`).join(' ')),
      distinctUntilChanged(),
    )
    .subscribe((health) => console.log('  health:', health));
  console.log('taking broker 2 down');
  cluster.setBrokerDown(2);
  for (let i = 0; i < 2; i++) {
    await firstValueFrom(client.request({ nodeId: 2 }, api.Metadata, { topics: [] })).catch((e: Error) => console.log(`  request to broker 2: ${e.name}`));
  }
  await firstValueFrom(client.request({ nodeId: 2 }, api.Metadata, { topics: [] })).catch((e: Error) => console.log(`  while open: ${e.name} (no attempt made)`));
  console.log('bringing broker 2 back');
  cluster.setBrokerUp(2);
  await firstValueFrom(client.stats$.pipe(filter((s) => s.brokers.some((b) => b.nodeId === 2 && b.circuit === 'half-open'))));
  await firstValueFrom(client.request({ nodeId: 2 }, api.Metadata, { topics: [] }));
  console.log('broker 2 answered the probe; circuit closed');
  states.unsubscribe();
} finally {
  await client.close();
  await cluster.stop();
}

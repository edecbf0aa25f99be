/**
 * A plain consumer: a group member reading `records$` with auto acks (the default). A record is
 * acked once it has been handed to every subscriber, and acked offsets are committed every
 * autoCommitIntervalMs and on close(). A second member of the same group then starts from
 * those committed offsets: it reads only what came after.
 * Run: npm run example:consumer
 */
import { firstValueFrom, map, take, toArray } from 'rxjs';
import { createClient } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic('greetings', { partitions: 3, replicationFactor: 3 });
const client = createClient({ brokers: cluster.bootstrap });

try {
  const producer = client.producer();
  await producer.send(Array.from({ length: 300 }, (_, i) => ({ topic: 'greetings', key: `user-${i % 30}`, value: `hello #${i}` })));

  // A group member: it is given partitions of the topics it subscribes to, and reads from the
  // group's committed offsets (from the earliest record where none is committed yet).
  const consumer = client.consumer({ groupId: 'greeters', topics: ['greetings'], autoOffsetReset: 'earliest' });

  // records$ is hot and shared: the first subscription starts the consumer (joins the group).
  const first = await firstValueFrom(consumer.records$.pipe(take(300), toArray()));
  for (const r of first.slice(0, 3)) console.log(`${r.topic}[${r.partition}] @${r.offset}  key ${r.key?.toString()}  value ${r.value?.toString()}`);
  const perPartition = [0, 1, 2].map((p) => first.filter((r) => r.partition === p).length);
  console.log(`read ${first.length} records (per partition: ${perPartition.join(', ')})`);

  // close() commits what was acked (here: every record handed out), then leaves the group.
  await consumer.close();
  console.log('closed: offsets committed, group left');

  // Another member of the group starts where the first one stopped.
  await producer.send(Array.from({ length: 5 }, (_, i) => ({ topic: 'greetings', key: `user-${i}`, value: `late hello #${i}` })));
  const next = client.consumer({ groupId: 'greeters', topics: ['greetings'], autoOffsetReset: 'earliest' });
  const late = await firstValueFrom(next.records$.pipe(map((r) => r.value?.toString()), take(5), toArray()));
  console.log(`a new member read ${late.length} records, only the new ones: ${late.join(', ')}`);
  await next.close();
} finally {
  await client.close(); // closes its producers and consumers too
  await cluster.stop();
}

/**
 * A pipeline per partition with `partitions$`: each assigned partition arrives as its own
 * stream, processed in batches of 100 (`bufferCount`), in order within the partition and
 * independently of the others. A partition's stream completes when it is revoked: here a
 * second member joins the group, takes two of the four partitions, and their streams on the
 * first member complete (a partly filled buffer is flushed and acked first: the revoke barrier
 * waits for those acks and commits them before the partition moves).
 * Run: npm run example:consumer-partitions
 */
import { bufferCount, filter, firstValueFrom, mergeMap, tap } from 'rxjs';
import { acknowledge, createClient, type Consumer, type PartitionStream } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic('clicks', { partitions: 4, replicationFactor: 3 });
const client = createClient({ brokers: cluster.bootstrap });
const clients = [client];
const producer = client.producer();
const send = (from: number, count: number) =>
  producer.send(Array.from({ length: count }, (_, i) => ({ topic: 'clicks', partition: (from + i) % 4, value: JSON.stringify({ click: from + i }) })));

let processed = 0;

/** One member, with a client of its own (as a member in its own process has): its partitions, each with a pipeline of its own. */
function member(name: string): Consumer {
  const own = createClient({ brokers: cluster.bootstrap, clientId: name });
  clients.push(own);
  const consumer = own.consumer({
    groupId: 'click-counters',
    topics: ['clicks'],
    autoOffsetReset: 'earliest',
    ack: 'manual', // a batch is acked once processed (acknowledge() acks each record in it)
    assignors: ['cooperative-sticky'], // only the partitions that move are revoked
    heartbeatIntervalMs: 200, // learn of a rebalance soon (default 3 s)
  });
  consumer.partitions$
    .pipe(
      mergeMap((p: PartitionStream) => {
        console.log(`${name}: clicks[${p.partition}] assigned, its stream opens`);
        return p.records$.pipe(
          // a batch closes at 100 records, or when the stream completes (revoke, close).
          // In production bound it in time too: bufferTime(1000, null, 100).
          bufferCount(100),
          tap((batch) => {
            processed += batch.length; // the batch's work goes here
            console.log(`${name}: clicks[${p.partition}] batch of ${batch.length}, offsets ${batch[0].offset}..${batch[batch.length - 1].offset}`);
          }),
          acknowledge(), // every record of the batch: the next commit may move past it
          tap({ complete: () => console.log(`${name}: clicks[${p.partition}] stream completed (revoked)`) }),
        );
      }),
    )
    .subscribe();
  return consumer;
}

try {
  await send(0, 900); // 225 per partition: two full batches each, and 25 waiting in the buffer
  const one = member('one');
  await until(() => processed === 800);

  // A second member joins and takes two partitions: on `one` their streams complete, the
  // 25 buffered records go out as a last batch, are acked and committed; `two` starts after them.
  console.log('two joins the group');
  const two = member('two');
  await firstValueFrom(two.rebalances$.pipe(filter((e) => e.type === 'assigned' && e.partitions.length > 0)));

  await send(900, 400); // 100 more per partition
  await until(() => processed === 1250);
  console.log('closing both: the streams complete, the last partial batches are flushed and acked');
  await Promise.all([one.close(), two.close()]);
  console.log(`${processed} of 1300 clicks processed, each partition in order, none twice`);
} finally {
  await Promise.all(clients.map((c) => c.close()));
  await cluster.stop();
}

/** Waits for `check` to hold (at most 10 s). */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out: ${processed} clicks processed`);
  }
}

/**
 * Manual acks with concurrent processing: `mergeMap(work, 4)` runs up to four jobs at once, so
 * they finish out of order. Each record is acked when its job is done (`ack: 'manual'`), and a
 * partition's committed offset moves only over a contiguous run of acked records: past a job
 * still running it does not move, however many later ones are done. After a crash, the group
 * resumes at the committed offset and does again only what was not known to be done.
 * Run: npm run example:consumer-manual-acks
 */
import { concatMap, firstValueFrom, map, mergeMap, take, timer, toArray } from 'rxjs';
import { api, createClient, type ConsumerRecord, type KafkaClient } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';

const JOBS = 16;
const cluster = await MockCluster.start({ brokers: 3 });
await cluster.createTopic('jobs', { partitions: 1, replicationFactor: 3 });
const client = createClient({ brokers: cluster.bootstrap });

/** A job that takes a while: some take much longer than others. */
const work = (r: ConsumerRecord) => timer([120, 20, 40, 20][Number(r.offset) % 4] + Number(r.offset)).pipe(map(() => r));

try {
  await client.producer().send(Array.from({ length: JOBS }, (_, i) => ({ topic: 'jobs', value: `job ${i}` })));

  const consumer = client.consumer({
    groupId: 'workers',
    topics: ['jobs'],
    autoOffsetReset: 'earliest',
    ack: 'manual', // records are acked by record.ack(), not when handed out
    autoCommitIntervalMs: 0, // commits are asked for below, after each ack, to show where they get
  });

  const done: number[] = [];
  const lines = await firstValueFrom(
    consumer.records$.pipe(
      take(JOBS),
      mergeMap(work, 4), // up to 4 jobs at once: they complete out of order
      concatMap(async (r) => {
        r.ack(); // done: the commit may move over it once every record before it is done too
        done.push(Number(r.offset));
        await consumer.commit();
        const committed = await committedOffset(client, 'workers', 'jobs');
        const next = committed ?? 0; // the first job not done
        const running = next < JOBS ? `  (job ${next} still running)` : '';
        return `job ${String(r.offset).padStart(2)} done   committed offset: ${String(committed ?? 'none').padStart(4)}${running}`;
      }),
      toArray(),
    ),
  );
  for (const line of lines) console.log(line);
  const outOfOrder = done.filter((offset, i) => offset !== i).length;
  console.log(`${JOBS} jobs done, ${outOfOrder} of them out of order; the committed offset moved only over contiguous runs, to ${JOBS}`);
  await consumer.close();
} finally {
  await client.close();
  await cluster.stop();
}

/** The group's committed offset of partition 0 (null when none is committed): an OffsetFetch, as an admin tool asks. */
async function committedOffset(c: KafkaClient, groupId: string, topic: string): Promise<number | null> {
  const topics = [{ name: topic, partitionIndexes: [0] }];
  const res = await firstValueFrom(
    c.request({ coordinator: { type: 'group', key: groupId } }, api.OffsetFetch, {
      groupId,
      topics, // the request up to v7
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], // v8 and later
      requireStable: true,
    }),
  );
  const partition = (res.groups.length > 0 ? res.groups[0].topics : res.topics)[0]?.partitions[0];
  return partition !== undefined && partition.committedOffset >= 0n ? Number(partition.committedOffset) : null;
}

import { describe, expect, it } from 'vitest';
import { createClient, type RecordMetadata } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';
import { seeded } from '../support/seeded.js';

const RECORDS = 10_000;
const CHUNK = 100;

/**
 * 10,000 keyless records, idempotent, to a 3-broker cluster on the memory network, in chunks
 * sent 2 ms apart, while errors are injected, a leader moves and a broker is down for 300 ms.
 * Everything (latency, linger, retries, backoff jitter, the sticky choice) runs on one virtual
 * clock and one seeded random source.
 */
async function scenario(seed: number) {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions: 6, replicationFactor: 3 });
  for (const id of [1, 2, 3]) cluster.setLatency(id, 3);
  const log: string[] = [];
  const requests = cluster.requests$.subscribe((r) => log.push(`${time.now()} b${r.broker} api${r.apiKey} v${r.apiVersion} #${r.correlationId}`));
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, random: seeded(seed) });
  const producer = client.producer({ lingerMs: 5 });

  const s = time.scheduler;
  s.schedule(() => cluster.injectErrors('Produce', [7, 6, 7]), 20); // REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER
  s.schedule(() => cluster.moveLeader('t', 0, 2), 60);
  s.schedule(() => cluster.setBrokerDown(3), 100);
  s.schedule(() => cluster.setBrokerUp(3), 400);
  const sent: Array<Promise<Array<RecordMetadata>>> = [];
  // one chunk goes, during the outage, to a partition the down broker leads: it must wait for it
  const onDownBroker = [0, 1, 2, 3, 4, 5].find((p) => cluster.partitionInfo('t', p)?.leader === 3);
  for (let c = 0; c < RECORDS / CHUNK; c++) {
    const partition = c * 2 === 150 ? onDownBroker : undefined;
    s.schedule(() => {
      sent.push(producer.send(Array.from({ length: CHUNK }, (_, i) => ({ topic: 't', partition, value: String(c * CHUNK + i) }))));
    }, c * 2);
  }
  const metas = await time.run(async () => {
    await time.advance((RECORDS / CHUNK) * 2);
    return (await Promise.all(sent)).flat();
  });
  await time.run(() => client.close());
  requests.unsubscribe();
  const partitions = [0, 1, 2, 3, 4, 5].map((p) => cluster.records('t', p).map((r) => Number(r.value?.toString())));
  const movedTo = onDownBroker === undefined ? undefined : cluster.partitionInfo('t', onDownBroker)?.leader;
  await cluster.stop();
  return { metas, partitions, log, onDownBroker, movedTo, endedAt: time.now() };
}

describe('a seeded run in virtual time', () => {
  it('stores 10,000 idempotent records once each, in order, through errors, a leader move and a 300 ms outage', async () => {
    const { metas, partitions, onDownBroker, movedTo } = await scenario(1);
    expect(metas).toHaveLength(RECORDS);
    const stored = partitions.flat();
    expect(stored).toHaveLength(RECORDS); // none lost, none twice
    expect(new Set(stored).size).toBe(RECORDS);
    // keyless records of one send order: within each partition they are stored in send order
    for (const p of partitions) expect(p).toEqual([...p].sort((a, b) => a - b));
    // where each send was told its record went is where it is
    for (const m of metas) expect(m.offset).toBeGreaterThanOrEqual(0n);
    // the outage happened: the chunk sent to a partition of the down broker went to its new leader
    expect(onDownBroker).toBeDefined();
    expect(movedTo).not.toBe(3);
    const duringOutage = metas.slice(75 * CHUNK, 76 * CHUNK);
    expect(duringOutage.every((m) => m.partition === onDownBroker)).toBe(true);
  });

  it('replays exactly: two runs with the same seed give the same request log; another seed another', async () => {
    const [a, b, c] = [await scenario(7), await scenario(7), await scenario(8)];
    expect(a.log.length).toBeGreaterThan(30);
    expect(b.log).toEqual(a.log);
    expect(b.partitions).toEqual(a.partitions);
    expect(c.partitions).not.toEqual(a.partitions);
  });
});

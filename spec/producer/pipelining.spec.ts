import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode, type ProducerStats } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

const RECORDS = 100_000;
const CHUNK = 1000;
/** The most batches of one idempotent partition in flight (KIP-98), and the producer's default. */
const WINDOW = 5;

/**
 * The faults, each on the 2nd batch of a full window: MockCluster takes one injected code per
 * Produce request as it arrives, 0 letting that request through. The batches pipelined behind
 * the failed one are refused by MockCluster itself, as by Kafka: their sequences do not follow
 * what it holds (OUT_OF_ORDER_SEQUENCE_NUMBER).
 */
const FAULTS = [
  { afterAcked: 20_000, codes: [ErrorCode.NONE, ErrorCode.REQUEST_TIMED_OUT] },
  { afterAcked: 60_000, codes: [ErrorCode.NONE, ErrorCode.NOT_LEADER_OR_FOLLOWER] },
];

describe('an idempotent producer pipelines one partition (MockCluster, virtual time)', () => {
  it('100,000 idempotent records on 1 partition, 5 batches in flight, errors on the 2nd of them: stored exactly once each, in order', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 1, network: 'memory', scheduler: time.scheduler });
    await cluster.createTopic('t', { partitions: 1 });
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    const producer = client.producer({ batchBytes: 16_384 }); // idempotent, acks all, maxInFlight 5: the defaults
    cluster.setLatency(1, 5);
    let latest: ProducerStats | undefined;
    let maxInFlight = 0;
    const watch = producer.stats$.subscribe((s) => {
      latest = s;
      maxInFlight = Math.max(maxInFlight, s.inFlight);
    });
    // what the broker was sent, in order: each Produce request's base sequence
    const sent: number[] = [];
    const requests = cluster.requests$.subscribe((e) => {
      if (e.apiKey !== 0) return;
      const records = (e.body as { topicData: Array<{ partitionData: Array<{ records: Buffer | null }> }> }).topicData[0]?.partitionData[0]?.records;
      if (records) sent.push(records.readInt32BE(53));
    });

    let acked = 0;
    const offsets = new Array<bigint>(RECORDS).fill(-1n);
    const failures: string[] = [];
    const sends = Array.from({ length: RECORDS / CHUNK }, (_, c) =>
      producer.send(Array.from({ length: CHUNK }, (_, i) => ({ topic: 't', partition: 0, value: String(c * CHUNK + i) }))).then(
        (metas) => {
          metas.forEach((m, i) => (offsets[c * CHUNK + i] = m.offset));
          acked += metas.length;
        },
        (e: unknown) => void failures.push(String(e)),
      ),
    );
    /** Moves virtual time a millisecond at a time until `ok`, for at most 10 s of it. */
    const until = async (what: string, ok: () => boolean) => {
      for (let ms = 0; !ok(); ms++) {
        if (ms === 10_000) throw new Error(`${what}: not within 10 s (${JSON.stringify(latest)}, ${acked} acknowledged)`);
        await time.advance(1);
      }
    };
    const windowAtFault: number[] = [];
    for (const fault of FAULTS) {
      await until(`a full window after ${fault.afterAcked}`, () => acked >= fault.afterAcked && latest?.inFlight === WINDOW);
      windowAtFault.push(latest?.inFlight ?? 0);
      cluster.injectErrors('Produce', fault.codes);
      const retries = latest?.retries ?? 0;
      // the failed batch and the ones pipelined behind it come back to be sent again
      await until('the fault hitting', () => (latest?.retries ?? 0) >= retries + WINDOW - 1);
    }
    await time.run(() => Promise.all(sends));
    const stats = latest as ProducerStats;

    expect(maxInFlight).toBe(WINDOW);
    expect(windowAtFault).toEqual([WINDOW, WINDOW]);
    expect(failures).toEqual([]);
    expect(acked).toBe(RECORDS);
    expect(stats.errors).toBe(0); // no batch lost for good: no epoch bump
    expect(stats.retries).toBeGreaterThanOrEqual(2 * (WINDOW - 1));
    const values = cluster.records('t', 0).map((r) => Number(r.value?.toString()));
    expect(values).toHaveLength(RECORDS);
    expect(values.findIndex((v, i) => v !== i)).toBe(-1); // each once, in order
    expect(offsets.findIndex((o, n) => o !== BigInt(n))).toBe(-1);
    // the broker was sent sequences in order but for the resends, which went again from the
    // failed batch on, in order: every drop in `sent` goes back to a sequence already sent
    const drops = sent.flatMap((seq, i) => (i > 0 && seq < sent[i - 1] ? [seq] : []));
    expect(drops).toHaveLength(FAULTS.length);
    for (const d of drops) expect(sent.indexOf(d)).toBeLessThan(sent.lastIndexOf(d));
    const resent = sent.filter((seq, i) => sent.indexOf(seq) !== i);
    expect([...resent].sort((a, b) => a - b)).toEqual(resent);

    watch.unsubscribe();
    requests.unsubscribe();
    await time.run(() => client.close());
    await cluster.stop();
  });
});

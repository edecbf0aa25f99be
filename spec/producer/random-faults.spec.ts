import { describe, expect, it } from 'vitest';
import { createClient, ErrorCode, type ProducerRecord, type RecordMetadata } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';
import { FAULT_RUN, inFlightBoundMs, tally } from '../support/fault-run.js';
import { seeded } from '../support/seeded.js';

const { partitions: PARTITIONS, keys: KEYS } = FAULT_RUN;
const CHUNK = 100;
const REQUEST_TIMEOUT_MS = 3000;
const DELIVERY_TIMEOUT_MS = 10_000;
const IN_FLIGHT_BOUND_MS = inFlightBoundMs(REQUEST_TIMEOUT_MS);

export interface FaultRunReport {
  seed: number;
  sent: number;
  delivered: number;
  failed: number;
  readBack: number;
  lost: number;
  duplicates: number;
  orderViolations: number;
  maxSettleMs: number;
  faults: number;
}

/**
 * `records` idempotent keyed records, in chunks of 100 every 2 ms, to 12 partitions on 3
 * brokers of an in-memory MockCluster, all in virtual time, while a seeded script injects
 * errors, moves leaders, takes brokers down for 100-300 ms and spikes latencies.
 */
export async function faultRun(seed: number, records: number): Promise<FaultRunReport> {
  const random = seeded(seed);
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions: PARTITIONS, replicationFactor: 3 });
  for (const b of [1, 2, 3]) cluster.setLatency(b, 2);
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler, random: seeded(seed + 1) });
  const producer = client.producer({ requestTimeoutMs: REQUEST_TIMEOUT_MS, deliveryTimeoutMs: DELIVERY_TIMEOUT_MS });
  const s = time.scheduler;
  const span = (records / CHUNK) * 2;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  let faults = 0;
  const down = new Set<number>();
  for (let at = 50; at < span; at += 50 + Math.floor(random() * 100)) {
    faults++;
    const kind = pick(['errors', 'move', 'outage', 'latency'] as const);
    const broker = pick([1, 2, 3]);
    s.schedule(() => {
      if (kind === 'errors') cluster.injectErrors('Produce', [pick([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS])], { broker });
      if (kind === 'move') cluster.moveLeader('t', Math.floor(random() * PARTITIONS), broker);
      if (kind === 'outage' && down.size === 0) {
        down.add(broker);
        cluster.setBrokerDown(broker);
        s.schedule(() => {
          cluster.setBrokerUp(broker);
          down.delete(broker);
        }, 100 + Math.floor(random() * 200));
      }
      if (kind === 'latency') {
        cluster.setLatency(broker, 200 + Math.floor(random() * 600));
        s.schedule(() => cluster.setLatency(broker, 2), 200);
      }
    }, at);
  }
  const settles: Array<Promise<{ metas: RecordMetadata[] | null; ms: number }>> = [];
  for (let c = 0; c < records / CHUNK; c++) {
    s.schedule(() => {
      const chunk: ProducerRecord[] = Array.from({ length: CHUNK }, (_, i) => {
        const n = c * CHUNK + i;
        return { topic: 't', key: `k${n % KEYS}`, value: String(n) };
      });
      const sentAt = time.now();
      settles.push(
        producer.send(chunk).then(
          (metas) => ({ metas, ms: time.now() - sentAt }),
          () => ({ metas: null, ms: time.now() - sentAt }),
        ),
      );
    }, c * 2);
  }
  const outcomes = await time.run(async () => {
    await time.advance(span);
    return Promise.all(settles);
  });
  await time.run(() => client.close());
  const stored = Array.from({ length: PARTITIONS }, (_, p) => cluster.records('t', p).map((r) => ({ key: r.key?.toString() ?? '', n: Number(r.value?.toString()) })));
  await cluster.stop();

  const deliveredChunks = outcomes.filter((o) => o.metas !== null).length;
  const acknowledged = outcomes.flatMap((o, c) => (o.metas === null ? [] : Array.from({ length: CHUNK }, (_, i) => c * CHUNK + i)));
  return {
    seed,
    sent: records,
    delivered: deliveredChunks * CHUNK,
    failed: (outcomes.length - deliveredChunks) * CHUNK,
    ...tally(stored, acknowledged),
    maxSettleMs: Math.max(...outcomes.map((o) => o.ms)),
    faults,
  };
}

describe('a seeded random-fault run (MockCluster, virtual time)', () => {
  it('100,000 idempotent records on 12 partitions and 3 brokers: none lost, none twice, per-key order kept, every outcome in time', async () => {
    const report = await faultRun(Number(process.env.RXKAFKA_FAULT_SEED ?? 42), 100_000);
    if (process.env.RXKAFKA_FAULT_SEED !== undefined) console.log(JSON.stringify(report)); // the figures, for a chosen seed
    expect(report.faults).toBeGreaterThanOrEqual(15);
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.orderViolations).toBe(0);
    expect(report.delivered).toBe(report.sent);
    expect(report.readBack).toBe(report.sent);
    expect(report.maxSettleMs).toBeLessThanOrEqual(DELIVERY_TIMEOUT_MS + IN_FLIGHT_BOUND_MS);
  }, 60_000);
});

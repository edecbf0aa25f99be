import { filter, firstValueFrom } from 'rxjs';
import { expect, it } from 'vitest';
import { createClient, ErrorCode } from '../../src/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';
import { FAULT_RUN, inFlightBoundMs, tally } from '../support/fault-run.js';
import { seeded } from '../support/seeded.js';

const { partitions: PARTITIONS, keys: KEYS } = FAULT_RUN;
const ROUND = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const DELIVERY_TIMEOUT_MS = 30_000;
const IN_FLIGHT_BOUND_MS = inFlightBoundMs(REQUEST_TIMEOUT_MS);

/**
 * The seeded random-fault run on librdkafka's mock, in real time: rounds of 2,000 keyed records,
 * two in flight, each round after a fault drawn from the seed (injected Produce errors, a moved
 * leader, a broker down for a round, a latency spike for a round). librdkafka 2.0's mock does
 * not deduplicate a resent idempotent batch, so duplicates are counted, not held to zero.
 */
async function faultRun(seed: number, records: number) {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 3 }] });
  const client = createClient({ brokers: [...mock.bootstrap], random: seeded(seed + 1) });
  try {
    // One request in flight per broker: librdkafka's mock checks no sequences for a producer
    // without a transactionalId, so a batch pipelined behind one that fails would be written
    // ahead of its resend, where Kafka refuses it as out of order (pipelined sends are checked
    // against MockCluster, which checks as Kafka does, in random-faults.spec.ts).
    const producer = client.producer({ requestTimeoutMs: REQUEST_TIMEOUT_MS, deliveryTimeoutMs: DELIVERY_TIMEOUT_MS, maxInFlight: 1 });
    let maxSettleMs = 0;
    let failed = 0;
    const round = (r: number) => {
      const sentAt = performance.now();
      return producer.send(Array.from({ length: ROUND }, (_, i) => ({ topic: 't', key: `k${(r * ROUND + i) % KEYS}`, value: String(r * ROUND + i) }))).then(
        () => (maxSettleMs = Math.max(maxSettleMs, performance.now() - sentAt)),
        () => {
          failed += ROUND;
          maxSettleMs = Math.max(maxSettleMs, performance.now() - sentAt);
        },
      );
    };
    for (let r = 0; r < records / ROUND; r += 2) {
      let undo: (() => Promise<void>) | null = null;
      const broker = pick([1, 2, 3]);
      const kind = pick(['errors', 'move', 'outage', 'latency', 'none'] as const);
      if (kind === 'errors') await mock.pushErrors(0, [pick([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS])]);
      if (kind === 'move') await mock.setLeader('t', Math.floor(random() * PARTITIONS), broker);
      if (kind === 'outage') {
        await mock.setBrokerDown(broker);
        undo = () => mock.setBrokerUp(broker);
      }
      if (kind === 'latency') {
        await mock.setRtt(broker, 300);
        undo = () => mock.setRtt(broker, 0);
      }
      const requests = (await firstValueFrom(producer.stats$)).requests;
      const sends = [round(r), round(r + 1)];
      if (undo !== null) {
        // the fault lasts until the round's requests have begun meeting it, then ends; the
        // round must come through
        await firstValueFrom(producer.stats$.pipe(filter((st) => st.requests > requests + 3)));
        await undo();
      }
      await Promise.all(sends);
    }
    await producer.close();
    const logs = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const back = await kcatConsume({ brokers: mock.bootstrap, topic: 't', partition: p, count: records, timeoutMs: 60_000 });
      logs.push(back.map((rec) => ({ key: rec.key?.toString() ?? '', n: Number(rec.value?.toString()) })));
    }
    return {
      seed,
      sent: records,
      failed,
      ...tally(logs, Array.from({ length: records }, (_, n) => n)),
      maxSettleMs: Math.round(maxSettleMs),
    };
  } finally {
    await client.close();
    await mock.stop();
  }
}

describeInterop("a seeded random-fault run (librdkafka's mock)", ['librdkafka', 'kcat'], () => {
  it('100,000 idempotent records on 12 partitions and 3 brokers: none lost, per-key order kept, every outcome in time', async () => {
    const report = await faultRun(Number(process.env.RXKAFKA_FAULT_SEED ?? 42), 100_000);
    if (process.env.RXKAFKA_FAULT_SEED !== undefined) console.log(JSON.stringify(report)); // the figures, for a chosen seed
    expect(report.failed).toBe(0);
    expect(report.lost).toBe(0);
    expect(report.orderViolations).toBe(0);
    expect(report.maxSettleMs).toBeLessThanOrEqual(DELIVERY_TIMEOUT_MS + IN_FLIGHT_BOUND_MS);
  }, 180_000);
});

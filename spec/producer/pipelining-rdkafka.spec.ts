import { filter, firstValueFrom, throwError, timeout, type Subscription } from 'rxjs';
import { expect, it } from 'vitest';
import { createClient, ErrorCode, type ProducerStats } from '../../src/index.js';
import { describeInterop, kcatConsume, startRdkafkaMock } from '../interop/harness.js';

const RECORDS = 100_000;
/** Records per send(): every send is issued at once, so all batches are queued from the start. */
const CHUNK = 1000;
/** Batches of the partition in flight at once: the most an idempotent producer may have (KIP-98). */
const WINDOW = 5;
/** The broker's answer delay: long enough that 5 requests overlap, short enough for a fast run. */
const RTT_MS = 50;
const PRODUCE = 0;
/** Bound on each wait for the run to reach a fault's moment. */
const STEP_MS = 20_000;

/**
 * Two faults, each on the 2nd batch of a full window. The mock pops one code from its Produce
 * error stack per request, when the request arrives; code 0 (NO_ERROR) lets that request through
 * as usual, a non-zero code answers it with that error and writes nothing. With a full window the
 * codes land so: the next batch to arrive passes (0), the one after it fails (the 2nd of the
 * window), and the four pipelined behind it, all sent before its answer comes back, get the
 * codes after. Those four must fail too, as a Kafka broker would answer them: librdkafka's mock
 * checks no sequences for a producer without a transactionalId, so a batch behind a failed one
 * that it let through would be written ahead of the failed batch's resend, which no broker does.
 * - REQUEST_TIMED_OUT on the 2nd; OUT_OF_ORDER_SEQUENCE_NUMBER on those behind it (the broker's
 *   answer to batches that come after a gap in the sequences).
 * - NOT_LEADER_OR_FOLLOWER on the 2nd and on those behind it (a broker that stopped leading the
 *   partition refuses every batch for it); the leader does not move, a metadata refresh finds it.
 * A code left over (fewer than four behind) only fails a resend once more (a resend goes alone).
 */
const FAULTS = [
  { afterAcked: 20_000, codes: [0, ErrorCode.REQUEST_TIMED_OUT, ...Array<number>(WINDOW - 1).fill(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)] },
  { afterAcked: 60_000, codes: [0, ...Array<number>(WINDOW).fill(ErrorCode.NOT_LEADER_OR_FOLLOWER)] },
] as const;
const INJECTED_FAILURES = FAULTS.reduce((n, f) => n + f.codes.filter((c) => c !== 0).length, 0);

describeInterop("an idempotent producer pipelines one partition (librdkafka's mock)", ['librdkafka', 'kcat'], () => {
  it('100,000 idempotent records on 1 partition, 5 batches in flight, errors on the 2nd of them: read back exactly once each, in order', async () => {
    const started = performance.now();
    const mock = await startRdkafkaMock({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
    const client = createClient({ brokers: [...mock.bootstrap] });
    let watch: Subscription | undefined;
    try {
      await mock.setRtt(1, RTT_MS);
      const producer = client.producer({ acks: 'all', idempotent: true, maxInFlight: WINDOW, batchBytes: 16_384 });

      // One broker, one partition, and a Produce request carries at most one batch per
      // partition: the producer's requests in flight are the partition's batches in flight.
      let latest: ProducerStats | undefined;
      let maxInFlight = 0;
      watch = producer.stats$.subscribe((s) => {
        latest = s;
        maxInFlight = Math.max(maxInFlight, s.inFlight);
      });

      let acked = 0;
      const offsets = new Array<bigint>(RECORDS).fill(-1n);
      const sendErrors: string[] = [];
      const sends = Array.from({ length: RECORDS / CHUNK }, (_, c) =>
        producer.send(Array.from({ length: CHUNK }, (_, i) => ({ topic: 't', partition: 0, value: String(c * CHUNK + i) }))).then(
          (metas) => {
            metas.forEach((m, i) => (offsets[c * CHUNK + i] = m.offset));
            acked += metas.length;
          },
          (e: unknown) => void sendErrors.push(String(e)),
        ),
      );

      const when = (what: string, ok: (s: ProducerStats) => boolean) =>
        firstValueFrom(
          producer.stats$.pipe(
            filter(ok),
            timeout({ first: STEP_MS, with: () => throwError(() => new Error(`${what}: not within ${STEP_MS} ms (${JSON.stringify(latest)}, ${acked} acknowledged)`)) }),
          ),
        );
      const windowAtFault: number[] = [];
      for (const fault of FAULTS) {
        // the window is full: as many batches in flight as ever (5 once pipelining works, 1 on a
        // producer that sends one batch per partition at a time, which must still get its faults)
        const at = await when(`window full after ${fault.afterAcked} acknowledged`, (s) => acked >= fault.afterAcked && s.inFlight > 0 && s.inFlight >= maxInFlight);
        windowAtFault.push(at.inFlight);
        await mock.pushErrors(PRODUCE, fault.codes);
        const failures = fault.codes.filter((c) => c !== 0).length;
        await when(`the fault after ${fault.afterAcked} acknowledged hitting`, (s) => s.retries >= at.retries + failures);
      }
      await Promise.all(sends);
      const stats = await firstValueFrom(producer.stats$);
      await producer.close();
      await mock.setRtt(1, 0); // the mock answers a Fetch with one batch: 50 ms each would slow the read-back

      // twice as many asked for as sent, so that a duplicate would show; -e stops at the log's end
      const back = await kcatConsume({ brokers: mock.bootstrap, topic: 't', partition: 0, count: 2 * RECORDS, timeoutMs: 30_000 });
      const numbers = back.map((r) => Number(r.value?.toString()));
      const seen = new Map<number, number>();
      for (const n of numbers) seen.set(n, (seen.get(n) ?? 0) + 1);
      const summary = {
        maxInFlight,
        windowAtFault,
        retries: stats.retries,
        requests: stats.requests,
        failedBatches: stats.errors,
        readBack: numbers.length,
        elapsedMs: Math.round(performance.now() - started),
      };
      if (process.env.RXKAFKA_PIPELINING_REPORT !== undefined) console.log(JSON.stringify(summary));

      // pipelining: the partition had a full window of batches in flight at once. At most 5
      // (maxInFlight, and KIP-98's bound); exactly 5 is certain once the partition pipelines, as
      // all its ~160 batches are queued from the start and every answer takes 50 ms.
      expect.soft(maxInFlight, 'most batches of the partition in flight at once').toBe(WINDOW);
      // every record acknowledged, none failed, no batch failed for good (so no epoch bump)
      expect.soft(sendErrors, 'failed sends').toEqual([]);
      expect.soft(acked, 'records acknowledged').toBe(RECORDS);
      expect.soft(stats.errors, 'batches failed for good').toBe(0);
      // the faults hit: every injected error failed a Produce request whose batch was resent
      expect.soft(stats.retries, 'retries').toBeGreaterThanOrEqual(INJECTED_FAILURES);
      // read back: exactly once each, in order, each at the offset its send() was told
      expect.soft(numbers.length, 'records read back').toBe(RECORDS);
      expect.soft(Array.from({ length: RECORDS }, (_, n) => n).filter((n) => !seen.has(n)).length, 'records missing').toBe(0);
      expect.soft([...seen.values()].reduce((d, k) => d + k - 1, 0), 'records stored twice').toBe(0);
      expect.soft(numbers.findIndex((n, i) => n !== i), 'first record out of place (-1: none)').toBe(-1);
      expect.soft(offsets.findIndex((o, n) => o !== BigInt(n)), 'first record acknowledged at another offset than its place (-1: none)').toBe(-1);
    } finally {
      watch?.unsubscribe();
      await client.close();
      await mock.stop();
    }
  }, 60_000);
});

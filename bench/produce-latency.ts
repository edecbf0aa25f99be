/**
 * Producer latency at a modest rate, the side of the producer a throughput run does not show:
 * rxkafka and KafkaJS each send --latency-rate records/s (default 1,000), one send() per record,
 * for --latency-seconds (default 5), into a fresh 1-partition topic without compression, each in
 * its own process (bench/produce-latency-client.ts), and the median and p99 time from send() to
 * acknowledgement are reported. Run by `npm run bench -- produce --defaults`, or alone with
 * `--latency`. Rows, all on default settings otherwise:
 *   acks 1, no idempotence   as the --defaults throughput rows (matched to kcat's)
 *   each client's defaults   rxkafka producer({}): acks all, idempotent; KafkaJS: acks -1
 * kcat is left out: `kcat -P` cannot report when each record was acknowledged, only its exit.
 * Each run's topic is checked to hold every record (the warm-up one too).
 */
import type { RdkafkaMock } from '../spec/interop/rdkafka-mock.js';
import type { KafkaClient } from '../src/index.js';
import { bundlePath, endOffsetTotal, failureReason, fmt, runNodeJson } from './produce-harness.js';
import type { LatencyResult } from './produce-latency-client.js';

export const LATENCY_BUNDLE = 'produce-latency-client';

export interface LatencyOptions {
  rate: number;
  seconds: number;
}

const ROWS = [
  { client: 'rxkafka', settings: 'acks1', label: 'acks 1, no idempotence' },
  { client: 'kafkajs', settings: 'acks1', label: 'acks 1' },
  { client: 'rxkafka', settings: 'defaults', label: 'producer({}): acks all, idempotent' },
  { client: 'kafkajs', settings: 'defaults', label: 'its defaults: acks -1' },
] as const;

/** Runs every row once; returns the table and how many rows failed. `topicFor` names a fresh topic. */
export async function latencyTable(
  mock: RdkafkaMock, verify: KafkaClient, o: LatencyOptions, topicFor: (what: string) => string,
): Promise<{ table: string; failed: number }> {
  const lines = [
    '| client | settings | records | sent/s | median ms | p99 ms | max ms | CPU % of a core | peak RSS MiB | result |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  let failed = 0;
  for (const row of ROWS) {
    const topic = topicFor(`latency-${row.client}-${row.settings}`);
    await mock.createTopic(topic, 1, 1);
    let cells: string;
    let failure: string | undefined;
    try {
      const { rssKb, result: r } = await runNodeJson<LatencyResult>(bundlePath(LATENCY_BUNDLE), [row.client, `--bootstrap=${mock.bootstrap.join(',')}`,
        `--topic=${topic}`, `--settings=${row.settings}`, `--rate=${o.rate}`, `--seconds=${o.seconds}`], [], o.seconds * 1000 + 60_000);
      const total = await endOffsetTotal(verify, topic, 1);
      if (r.error !== undefined) failure = `${r.failed} of ${fmt(r.records)} failed, first: ${r.error}`;
      else if (total !== BigInt(r.records + 1)) failure = `${total} of ${r.records + 1} records on the topic`;
      cells = `${fmt(r.records)} | ${fmt(r.sentPerSecond)} | ${fmt(r.medianMs, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.maxMs, 2)} | ${
        fmt((100 * r.cpuMs) / r.ms, 1)} | ${fmt(rssKb / 1024, 1)}`;
    } catch (e) {
      failure = failureReason(e);
      cells = '— | — | — | — | — | — | —';
    }
    if (failure !== undefined) failed++;
    const result = failure === undefined ? 'ok' : `FAILED (${failure.replace(/\|/g, '/')})`;
    process.stderr.write(`  latency ${row.client} ${row.settings}: ${result}\n`);
    lines.push(`| ${row.client} | ${row.label} | ${cells} | ${result} |`);
  }
  return { table: lines.join('\n'), failed };
}

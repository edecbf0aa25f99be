/**
 * The producer as a user gets it: `npm run bench -- produce --defaults`. The tuned mode
 * (bench/produce.ts) shows what rxkafka can do with librdkafka's batching settings; this mode
 * shows what `client.producer({})` does with the code people write, against KafkaJS and kcat on
 * their defaults, in one run on one librdkafka mock cluster (1 broker), each client in its own
 * process, a fresh topic per run, and the topic's end offsets checked after every run.
 *
 *   npm run bench -- produce --defaults [--records=1000000] [--runs=2] [--repeat-under-ms=10000]
 *                            [--partitions=1,8] [--codecs=none,lz4] [--clients=rxkafka,kafkajs,kcat]
 *                            [--patterns=produce,sink,send-1k,send-10k-x4]
 *                            [--latency-seconds=5] [--latency-rate=1000]   (0 seconds: no latency part)
 *                            [--node-flags=--flag,--flag]
 *   npm run bench -- produce --latency [--latency-seconds=5] [--latency-rate=1000]   (latency part only)
 *
 * Input: 1,000,000 keyless 100-byte values (bench/produce-payload.ts). Settings: each client's
 * defaults except acks 1 and no idempotence (kcat's), and the cell's compression:
 *   rxkafka  client.producer({ acks: 1, idempotent: false, compression }) and nothing else
 *            (src/producer/config.ts; as written: lingerMs 5, batchBytes 16384, bufferMemory 32 MiB)
 *   KafkaJS  kafka.producer() (DefaultPartitioner named), send({ topic, acks: 1, compression, messages })
 *   kcat     kcat -P -l file -X acks=1 -X compression.codec=…, librdkafka's defaults otherwise
 *            (linger.ms 5, batch.size 1,000,000, queue.buffering.max.messages 100,000)
 * Patterns (bench/produce-defaults-client.ts):
 *   produce      rxkafka  from(records).pipe(producer.produce()), one stream over an array of
 *                         every record (made before the window), resolved at complete
 *   sink         rxkafka  from(records).subscribe(producer), then await producer.flush()
 *   send-1k      both     await send(chunk of 1,000), one after another
 *   send-10k-x4  both     send(chunk of 10,000) on 4 lanes, each awaiting its chunk before the next
 *   array-1k     KafkaJS  the stream patterns' array, sent 1,000 at a time, awaited one after another
 * KafkaJS has no stream: a KafkaJS user holding the same array of every record sends it in
 * slices, awaited one after another (array-1k), and produce and sink are compared with that run:
 * same input, held the same way, so their peak RSS compares too (the array alone is ~290 MiB).
 * KafkaJS's literal equivalents are traps: one send() per record, not awaited, starts 1,000,000
 * requests, and one send() of every record (tried: killed after 120 s, most of it system time,
 * KafkaJS growing a single ~100 MB request; a broker would refuse a request that size) does not
 * finish.
 *
 * Timing, as in the tuned mode: the node clients report first send to last acknowledgement
 * (send→ack), kcat only its process wall time, so rxkafka ÷ kcat is given both ways. Best of
 * --runs, except that a row whose first run took over --repeat-under-ms (process wall) is not run
 * again: repeating is for short runs, where start-up jitter and a moment's load are a large share
 * of the time; a run of 10 s or more has averaged them out, and repeating KafkaJS's 10-25 s runs
 * would double the mode's time (the table says how many runs each row had). A failed run (an
 * error in the client, an exit, a wrong record count on the topic) is reported FAILED with its
 * reason and not run again in its cell. Then the latency part (bench/produce-latency.ts).
 *
 * Targets on defaults: produce() and the sink at least 0.5x kcat; send() of 1,000-record chunks
 * one after another at least 2x KafkaJS; peak RSS at most KafkaJS's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRdkafkaMock, type RdkafkaMock } from '../spec/interop/rdkafka-mock.js';
import { nodelayShim } from './nodelay.js';
import { createClient, type KafkaClient } from '../src/index.js';
import type { Pattern } from './produce-defaults-client.js';
import {
  bundleClients, bundlePath, endOffsetTotal, failureReason, fmt, hasGnuTime, machineLoad, optionReader, rate, runKcat, runNodeChild,
  type Codec, type Sample,
} from './produce-harness.js';
import { LATENCY_BUNDLE, latencyTable, type LatencyOptions } from './produce-latency.js';
import { VALUE_BYTES, writePayloadFile } from './produce-payload.js';

const DEFAULTS_BUNDLE = 'produce-defaults-client';

const PATTERN_LABELS: Record<Pattern, string> = {
  produce: 'from(records).pipe(produce())',
  sink: 'from(records).subscribe(producer), flush()',
  'send-1k': 'await send(1,000), one after another',
  'send-10k-x4': 'send(10,000), 4 in flight',
  'array-1k': 'await send(1,000 of the array), one after another',
};
/** rxkafka's patterns: the rows the targets are about. */
type RxPattern = Exclude<Pattern, 'array-1k'>;
/** The KafkaJS run each rxkafka pattern is compared with (see the header). */
const KAFKAJS_PEER: Record<RxPattern, Pattern> = { produce: 'array-1k', sink: 'array-1k', 'send-1k': 'send-1k', 'send-10k-x4': 'send-10k-x4' };
const PATTERNS = Object.keys(KAFKAJS_PEER) as RxPattern[];

type ClientName = 'rxkafka' | 'kafkajs' | 'kcat';
/** One row of the tables. */
type Row = { client: 'rxkafka' | 'kafkajs'; pattern: Pattern } | { client: 'kcat' };

interface Options {
  /** Extra node flags for the node clients (a profile: --cpu-prof); none by default. */
  nodeFlags: string[];
  records: number;
  runs: number;
  /** A row whose first run took longer (process wall) is not run again. */
  repeatUnderMs: number;
  partitions: number[];
  codecs: Codec[];
  clients: ClientName[];
  patterns: RxPattern[];
  latency: LatencyOptions;
  /** --latency: the latency part only. */
  latencyOnly: boolean;
}

/** A run, and why it failed if it did. */
type Run = Sample & { failure?: string };

/** One row in one cell: best times over its good runs, largest peak RSS over all. */
interface Cell {
  row: Row;
  partitions: number;
  codec: Codec;
  windowMs: number | undefined;
  wallMs: number | undefined;
  rssKb: number | undefined;
  runs: number;
  /** The first failed run's reason. */
  failure?: string;
}

function parseOptions(args: string[]): Options {
  const { opt, list, flag } = optionReader(args);
  const codecs = list('codecs', 'none,lz4');
  const clients = list('clients', 'rxkafka,kafkajs,kcat');
  const patterns = list('patterns', PATTERNS.join(','));
  for (const c of codecs) if (c !== 'none' && c !== 'lz4') throw new Error(`produce bench: codec ${c} (none|lz4)`);
  for (const c of clients) if (!['rxkafka', 'kafkajs', 'kcat'].includes(c)) throw new Error(`produce bench: client ${c}`);
  for (const p of patterns) if (!(PATTERNS as string[]).includes(p)) throw new Error(`produce bench: pattern ${p} (${PATTERNS.join('|')})`);
  return {
    nodeFlags: list('node-flags', ''),
    records: Number(opt('records', '1000000')),
    runs: Number(opt('runs', '2')),
    repeatUnderMs: Number(opt('repeat-under-ms', '10000')),
    partitions: list('partitions', '1,8').map(Number),
    codecs: codecs as Codec[],
    clients: clients as ClientName[],
    patterns: patterns as RxPattern[],
    latency: { seconds: Number(opt('latency-seconds', '5')), rate: Number(opt('latency-rate', '1000')) },
    latencyOnly: flag('latency') && !flag('defaults'),
  };
}

const label = (row: Row) => (row.client === 'kcat' ? 'kcat -P' : PATTERN_LABELS[row.pattern]);
const rowsOf = (o: Options): Row[] => [
  ...(o.clients.includes('rxkafka') ? o.patterns.map((pattern): Row => ({ client: 'rxkafka', pattern })) : []),
  ...(o.clients.includes('kafkajs') ? [...new Set(o.patterns.map((p) => KAFKAJS_PEER[p]))].map((pattern): Row => ({ client: 'kafkajs', pattern })) : []),
  ...(o.clients.includes('kcat') ? [{ client: 'kcat' } as const] : []),
];

/** One run of `row` into a fresh topic: timed, then the topic checked to hold every record. */
async function runRow(row: Row, mock: RdkafkaMock, verify: KafkaClient, topic: string, partitions: number, codec: Codec, o: Options, file: string, dir: string): Promise<Run> {
  await mock.createTopic(topic, partitions, 1);
  let run: Run;
  try {
    run = row.client === 'kcat'
      ? await runKcat(mock.bootstrap, topic, codec, file, dir, [])
      : await runNodeChild(bundlePath(DEFAULTS_BUNDLE), [row.client, `--bootstrap=${mock.bootstrap.join(',')}`, `--topic=${topic}`,
        `--records=${o.records}`, `--codec=${codec}`, `--pattern=${row.pattern}`], o.nodeFlags);
  } catch (e) {
    run = { windowMs: undefined, wallMs: Number.NaN, rssKb: Number.NaN, rssSource: '', failure: failureReason(e) };
  }
  const total = await endOffsetTotal(verify, topic, partitions);
  const short = total === BigInt(o.records) ? undefined : `${fmt(Number(total))} of ${fmt(o.records)} records on the topic`;
  const reasons = [run.failure ?? run.result?.error, short].filter((r): r is string => r !== undefined);
  return reasons.length === 0 ? run : { ...run, failure: reasons.join('; ') };
}

function cellOf(row: Row, partitions: number, codec: Codec, runs: Run[]): Cell {
  const good = runs.filter((r) => r.failure === undefined);
  const failed = runs.find((r) => r.failure !== undefined);
  const min = (xs: Array<number | undefined>) => {
    const known = xs.filter((x): x is number => x !== undefined && !Number.isNaN(x));
    return known.length > 0 ? Math.min(...known) : undefined;
  };
  const rss = runs.map((r) => r.rssKb).filter((x) => !Number.isNaN(x));
  // a failed cell shows its failed run's times, for what they say about the failure
  const timed = failed === undefined ? good : [failed];
  return {
    row,
    partitions,
    codec,
    windowMs: min(timed.map((r) => r.windowMs)),
    wallMs: min(timed.map((r) => r.wallMs)),
    rssKb: rss.length > 0 ? Math.max(...rss) : undefined,
    runs: runs.length,
    ...(failed?.failure === undefined ? {} : { failure: failed.failure }),
  };
}

const ms = (x: number | undefined) => (x === undefined ? '—' : fmt(x));
const mib = (kb: number | undefined) => (kb === undefined ? '—' : fmt(kb / 1024, 1));
const cellText = (s: string) => s.replace(/\|/g, '/');

function table(cells: Cell[], o: Options): string {
  const lines = [
    '| client | pattern | partitions | codec | records/s (send→ack) | records/s (process wall) | send→ack ms | process wall ms | peak RSS MiB | runs | result |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of cells) {
    const ok = c.failure === undefined;
    const r = (t: number | undefined) => (ok && t !== undefined ? fmt(rate(o.records, t) ?? 0) : '—');
    lines.push(`| ${c.row.client} | ${label(c.row)} | ${c.partitions} | ${c.codec} | ${r(c.windowMs)} | ${r(c.wallMs)} | ${ms(c.windowMs)} | ${
      ms(c.wallMs)} | ${mib(c.rssKb)} | ${c.runs} | ${ok ? 'ok' : `FAILED (${cellText(c.failure ?? '')})`} |`);
  }
  return lines.join('\n');
}

/** rxkafka's rate over the peer's (both times of the same records), or — when either is missing or failed. */
function ratio(rx: Cell | undefined, rxMs: number | undefined, peer: Cell | undefined, peerMs: number | undefined): number | undefined {
  if (rx?.failure !== undefined || peer?.failure !== undefined || rxMs === undefined || peerMs === undefined) return undefined;
  return peerMs / rxMs;
}

function ratios(cells: Cell[], o: Options): string {
  const lines = [
    '| partitions | codec | rxkafka pattern | ÷ kcat (send→ack / kcat wall) | ÷ kcat (wall / wall) | ÷ KafkaJS (send→ack) | KafkaJS run compared | RSS rxkafka / KafkaJS / kcat MiB | targets |',
    '|---:|---|---|---:|---:|---:|---|---|---|',
  ];
  const x = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(2)}x`);
  const verdict = (v: number | undefined, target: number) => (v === undefined ? 'n/a' : v >= target ? 'met' : 'MISSED');
  for (const p of o.partitions) {
    for (const codec of o.codecs) {
      const find = (client: ClientName, pattern?: Pattern) =>
        cells.find((c) => c.partitions === p && c.codec === codec && c.row.client === client && (c.row.client === 'kcat' || c.row.pattern === pattern));
      const kcat = find('kcat');
      for (const pattern of o.patterns) {
        const rx = find('rxkafka', pattern);
        if (rx === undefined) continue;
        const kjs = find('kafkajs', KAFKAJS_PEER[pattern]);
        const vsKcatWindow = ratio(rx, rx.windowMs, kcat, kcat?.wallMs);
        const vsKcatWall = ratio(rx, rx.wallMs, kcat, kcat?.wallMs);
        const vsKafkaJs = ratio(rx, rx.windowMs, kjs, kjs?.windowMs);
        // a failed run's peak RSS counts too: it is at least what the pattern needs
        const rssOk = rx.rssKb === undefined || kjs?.rssKb === undefined ? 'n/a' : rx.rssKb <= kjs.rssKb ? 'met' : 'MISSED';
        const targets = [
          ...(pattern === 'produce' || pattern === 'sink'
            ? [`÷ kcat ≥ 0.5x: ${rx.failure !== undefined ? 'FAILED' : `${verdict(vsKcatWindow, 0.5)} (send→ack), ${verdict(vsKcatWall, 0.5)} (wall)`}`]
            : []),
          ...(pattern === 'send-1k' ? [`÷ KafkaJS ≥ 2x: ${rx.failure !== undefined ? 'FAILED' : verdict(vsKafkaJs, 2)}`] : []),
          `RSS ≤ KafkaJS: ${rssOk}`,
        ];
        const rss = [rx, kjs, kcat].map((c) => (c?.rssKb === undefined ? '—' : fmt(c.rssKb / 1024))).join(' / ');
        lines.push(`| ${p} | ${codec} | ${PATTERN_LABELS[pattern]}${rx.failure === undefined ? '' : ' (FAILED)'} | ${x(vsKcatWindow)} | ${x(vsKcatWall)} | ${
          x(vsKafkaJs)} | ${kjs === undefined ? '—' : PATTERN_LABELS[KAFKAJS_PEER[pattern]]} | ${rss} | ${targets.join('; ')} |`);
      }
    }
  }
  return lines.join('\n');
}

async function throughput(mock: RdkafkaMock, verify: KafkaClient, o: Options, dir: string, topicFor: (what: string) => string): Promise<Cell[]> {
  const file = join(dir, 'values.txt');
  if (o.clients.includes('kcat')) writePayloadFile(file, o.records);
  const rows = rowsOf(o);
  const cells: Cell[] = [];
  for (const partitions of o.partitions) {
    for (const codec of o.codecs) {
      const runs = new Map<Row, Run[]>();
      for (let r = 0; r < o.runs; r++) {
        // Rotate the order so no client always runs first (or last) in a cell.
        for (const row of rows.map((_, i) => rows[(i + r) % rows.length])) {
          const done = runs.get(row) ?? [];
          // A row that failed in this cell is not run again in it: the cell is FAILED anyway.
          if (done.some((d) => d.failure !== undefined || d.wallMs > o.repeatUnderMs)) continue;
          const name = row.client === 'kcat' ? 'kcat' : `${row.client}-${row.pattern}`;
          const run = await runRow(row, mock, verify, topicFor(`${name}-${partitions}p-${codec}`), partitions, codec, o, file, dir);
          runs.set(row, [...done, run]);
          process.stderr.write(`  ${name} ${partitions}p ${codec} run ${done.length + 1}: ${run.failure === undefined ? 'ok' : `FAILED: ${run.failure}`}, ${
            run.windowMs === undefined ? '' : `send→ack ${fmt(run.windowMs)} ms, `}wall ${fmt(run.wallMs)} ms, RSS ${mib(run.rssKb)} MiB, load ${machineLoad()}\n`);
        }
      }
      for (const row of rows) cells.push(cellOf(row, partitions, codec, runs.get(row) ?? []));
    }
  }
  return cells;
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'rxkafka-produce-defaults-'));
  let mock: RdkafkaMock | undefined;
  let verify: KafkaClient | undefined;
  try {
    const latency = o.latency.seconds > 0;
    await bundleClients([...(o.latencyOnly ? [] : [DEFAULTS_BUNDLE]), ...(latency ? [LATENCY_BUNDLE] : [])]);
    // TCP_NODELAY on the mock's connections, as on a Kafka broker (see bench/nodelay-shim.c)
    mock = await startRdkafkaMock({ brokers: 1, env: { LD_PRELOAD: await nodelayShim() } });
    verify = createClient({ brokers: [...mock.bootstrap], clientId: 'bench-verify' });
    let seq = 0;
    const topicFor = (what: string) => `bench-produce-defaults-${seq++}-${what}`;
    const loadAtStart = machineLoad();
    let failed = 0;
    if (!o.latencyOnly) {
      console.log(`produce --defaults: ${fmt(o.records)} keyless records x ${VALUE_BYTES} B, each client on its default settings but acks 1 and no ` +
        `idempotence, librdkafka mock cluster (1 broker, TCP_NODELAY set by bench/nodelay-shim.c), best of ${o.runs} (a row whose first run took over ${fmt(o.repeatUnderMs)} ms: 1); kcat RSS via ${(await hasGnuTime()) ? 'GNU time' : 'VmHWM poll'}`);
      const cells = await throughput(mock, verify, o, dir, topicFor);
      failed += cells.filter((c) => c.failure !== undefined).length;
      console.log(`\n${table(cells, o)}\n\n${ratios(cells, o)}\n`);
      console.log('Ratios: rxkafka\'s records/s over the peer\'s. produce() and the sink are compared with KafkaJS sending the same array 1,000 at a time (KafkaJS has no stream; see bench/produce-defaults.ts).');
      console.log('send→ack: first send to last acknowledgement, after connect + metadata (and, for produce() and the sink, after making the array of records); ' +
        'process wall: spawn to exit, incl. node start-up. Peak RSS: the largest over the runs. A FAILED row shows its failed run\'s times and RSS.');
      console.log('Targets on defaults: produce() and the sink >= 0.5x kcat; send(1,000) one after another >= 2x KafkaJS; peak RSS <= KafkaJS\'s.');
    }
    if (latency) {
      console.log(`\nLatency: ${fmt(o.latency.rate)} records/s for ${o.latency.seconds} s, one send() per record, 1 partition, no compression ` +
        '(kcat left out: it cannot time a record to its acknowledgement)\n');
      const latencyRows = await latencyTable(mock, verify, o.latency, topicFor);
      failed += latencyRows.failed;
      console.log(`${latencyRows.table}\n`);
      console.log('send() to acknowledgement per record, after one warm-up record; CPU: the process over the window.');
    }
    console.log(`Machine load: ${loadAtStart} at start, ${machineLoad()} at end (above 0 at start: other processes were using the CPUs too, ` +
      `and every row is slower and noisier for it). ${failed === 0 ? 'Every run passed its checks' : `${failed} row(s) FAILED`}. ` +
      `Bench wall ${fmt((performance.now() - started) / 1000, 1)} s.`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await verify?.close();
    await mock?.stop();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

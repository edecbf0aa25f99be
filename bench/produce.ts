/**
 * Producer throughput: rxkafka, KafkaJS and `kcat -P` (native librdkafka) against one
 * librdkafka mock cluster (1 broker) in the same run, each in its own process so its peak RSS
 * is its own, a fresh topic per run, and the topic's end offsets checked after every run.
 *
 *   npm run bench -- produce [--records=1000000] [--runs=2] [--partitions=1,8] [--codecs=none,lz4]
 *                            [--clients=rxkafka,kafkajs,kcat] [--api=send|produce|sink] [--chunk=10000]
 *                            [--inflight=4] [--node-flags=--flag,--flag] [--profile]
 *   npm run bench -- produce --defaults | --latency   (default settings and the code users write,
 *                            and send→ack latency at 1,000 records/s: bench/produce-defaults.ts)
 *
 * Settings (acks 1, no idempotence, linger 5 ms, batches up to 1,000,000 bytes = librdkafka's
 * batch.size; keyless 100-byte values; each client's default partitioner):
 *   rxkafka  producer({ acks: 1, idempotent: false, compression, lingerMs: 5, batchBytes: 1e6,
 *            maxRequestBytes: 2 MiB, bufferMemory: 64 MiB }); send(chunk of 10,000) on 4 lanes,
 *            each awaiting its chunk before the next (at most 40,000 records outstanding, as
 *            librdkafka holds at most 100,000); --api=produce feeds produce() with the same
 *            bound, --api=sink uses the producer as an Observer (next() per record, flush() per
 *            chunk)
 *   KafkaJS  send({ topic, acks: 1, compression, messages: chunk of 10,000 }) on 4 lanes the same
 *            way (KafkaJS batches per send call); lz4 registered from lz4-napi
 *   kcat     kcat -P -l file -X acks=1 -X compression.codec=… -X linger.ms=5 (otherwise
 *            librdkafka defaults: batch.size 1e6, batch.num.messages 10,000)
 *
 * The node clients run as one esbuild bundle of bench/produce-client.ts (plain JS, no tsx).
 * Both make their input the same way: per chunk, the 10,000 values as views into a slab that
 * each lane reuses, mapped to record objects.
 *
 * Timing: the node clients report the window from first send to last acknowledgement (after
 * connecting and fetching metadata); kcat can only be timed as a process, so every client's
 * process wall time (spawn to exit, including runtime start-up) is reported too, and the
 * rxkafka/kcat ratio is given both ways. With --profile, rxkafka runs once more per cell under
 * the V8 CPU profiler and the top self-time functions are printed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRdkafkaMock, type RdkafkaMock } from '../spec/interop/rdkafka-mock.js';
import { nodelayShim } from './nodelay.js';
import { createClient, type KafkaClient } from '../src/index.js';
import {
  bundleClients, bundlePath, endOffsetTotal, fmt, hasGnuTime, optionReader, rate, runKcat as runKcatWith, runNodeChild, type Codec, type Sample,
} from './produce-harness.js';
import { run as runDefaults } from './produce-defaults.js';
import { VALUE_BYTES, writePayloadFile } from './produce-payload.js';

type ClientName = 'rxkafka' | 'kafkajs' | 'kcat';
/** The clients, and the bench's input alone (the send() lanes with no producer; see rowsOf). */
type RowName = ClientName | 'input';

interface Options {
  records: number;
  runs: number;
  partitions: number[];
  codecs: Codec[];
  clients: ClientName[];
  api: 'send' | 'produce' | 'sink';
  /** Records per send() call / per top-up, and how many may be outstanding at once. */
  chunk: number;
  inflight: number;
  /** Extra node flags for the node clients (experiments, e.g. GC tuning); none by default. */
  nodeFlags: string[];
  profile: boolean;
}

/** Best times over the runs of one cell, and the largest peak RSS seen. */
interface Cell {
  client: RowName;
  partitions: number;
  codec: Codec;
  windowMs: number | undefined;
  wallMs: number;
  readyMs: number | undefined;
  rssKb: number;
  rssSource: string;
}

const CLIENT_BUNDLE = 'produce-client';

function parseOptions(args: string[]): Options {
  const { opt, list } = optionReader(args);
  const codecs = list('codecs', 'none,lz4');
  const clients = list('clients', 'rxkafka,kafkajs,kcat');
  for (const c of codecs) if (c !== 'none' && c !== 'lz4') throw new Error(`produce bench: codec ${c} (none|lz4)`);
  for (const c of clients) if (!['rxkafka', 'kafkajs', 'kcat'].includes(c)) throw new Error(`produce bench: client ${c}`);
  const api = opt('api', 'send');
  if (api !== 'send' && api !== 'produce' && api !== 'sink') throw new Error(`produce bench: api ${api} (send|produce|sink)`);
  return {
    records: Number(opt('records', '1000000')),
    runs: Number(opt('runs', '2')),
    partitions: list('partitions', '1,8').map(Number),
    codecs: codecs as Codec[],
    clients: clients as ClientName[],
    api,
    chunk: Number(opt('chunk', '10000')),
    inflight: Number(opt('inflight', '4')),
    nodeFlags: list('node-flags', ''),
    profile: args.includes('--profile'),
  };
}

/** kcat with librdkafka's defaults but for linger.ms, set as rxkafka's. */
const runKcat = (bootstrap: readonly string[], topic: string, codec: Codec, file: string, dir: string) =>
  runKcatWith(bootstrap, topic, codec, file, dir, ['linger.ms=5']);

function runNode(
  client: 'rxkafka' | 'kafkajs' | 'input', bootstrap: readonly string[], topic: string, codec: Codec, o: Options, profile = false, records = o.records,
): Promise<Sample> {
  const args = [client, `--bootstrap=${bootstrap.join(',')}`, `--topic=${topic}`,
    `--records=${records}`, `--codec=${codec}`, `--api=${o.api}`,
    `--chunk=${o.chunk}`, `--inflight=${o.inflight}`, ...(profile ? ['--profile'] : [])];
  return runNodeChild(bundlePath(CLIENT_BUNDLE), args, [...o.nodeFlags, ...(profile ? ['--enable-source-maps'] : [])]);
}

/**
 * What runs in a cell: the clients, and with send() the bench's input alone, so the table shows
 * how much of a node client's window is making its input (kcat only reads a file).
 */
function rowsOf(o: Options): RowName[] {
  return o.api === 'send' && o.clients.includes('rxkafka') ? [...o.clients, 'input'] : o.clients;
}

function table(cells: Cell[], o: Options): string {
  const lines = [
    '| client | partitions | codec | records/s (send→ack) | MB/s (send→ack) | records/s (process wall) | send→ack ms | process wall ms | start-up+connect ms | peak RSS MiB |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    const window = rate(o.records, c.windowMs);
    lines.push(`| ${c.client} | ${c.partitions} | ${c.codec} | ${window === undefined ? '—' : fmt(window)} | ${
      window === undefined ? '—' : fmt((window * VALUE_BYTES) / 1e6, 1)} | ${fmt(rate(o.records, c.wallMs) ?? 0)} | ${
      c.windowMs === undefined ? '—' : fmt(c.windowMs)} | ${fmt(c.wallMs)} | ${c.readyMs === undefined ? '—' : fmt(c.readyMs)} | ${fmt(c.rssKb / 1024, 1)} |`);
  }
  return lines.join('\n');
}

function ratios(cells: Cell[], o: Options): string {
  const lines = [
    '| partitions | codec | rxkafka / KafkaJS (send→ack) | rxkafka / kcat (wall / wall) | rxkafka send→ack / kcat wall | rxkafka send→ack less input / kcat wall | RSS rxkafka / KafkaJS / kcat MiB |',
    '|---:|---|---:|---:|---:|---:|---|',
  ];
  const x = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(b / a).toFixed(2)}x`);
  for (const p of o.partitions) {
    for (const codec of o.codecs) {
      const get = (client: RowName) => cells.find((c) => c.client === client && c.partitions === p && c.codec === codec);
      const rx = get('rxkafka');
      const kjs = get('kafkajs');
      const kcat = get('kcat');
      const input = get('input');
      const own = rx?.windowMs === undefined || input?.windowMs === undefined ? undefined : rx.windowMs - input.windowMs;
      const rss = [rx, kjs, kcat].map((c) => (c === undefined ? '—' : fmt(c.rssKb / 1024))).join(' / ');
      lines.push(`| ${p} | ${codec} | ${x(rx?.windowMs, kjs?.windowMs)} | ${x(rx?.wallMs, kcat?.wallMs)} | ${x(rx?.windowMs, kcat?.wallMs)} | ${x(own, kcat?.wallMs)} | ${rss} |`);
    }
  }
  return lines.join('\n');
}

function printProfile(partitions: number, codec: Codec, sample: Sample): void {
  const profile = sample.result?.profile;
  if (profile === undefined) return;
  console.log(`\nrxkafka CPU profile, ${partitions} partition(s), ${codec}: window ${fmt(sample.windowMs ?? 0)} ms, ${fmt(profile.totalMs)} ms sampled`);
  console.log('| self ms | self % | function | where | main caller (share of this self time) |\n|---:|---:|---|---|---|');
  for (const f of profile.top) console.log(`| ${fmt(f.selfMs)} | ${f.selfPercent.toFixed(1)} | ${f.name} | ${f.where} | ${f.caller} |`);
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--defaults') || args.includes('--latency')) return runDefaults(args);
  const o = parseOptions(args);
  const dir = mkdtempSync(join(tmpdir(), 'rxkafka-produce-'));
  let mock: RdkafkaMock | undefined;
  let client: KafkaClient | undefined;
  try {
    const file = join(dir, 'values.txt');
    if (o.clients.includes('kcat')) writePayloadFile(file, o.records);
    if (o.clients.some((c) => c !== 'kcat') || o.profile) await bundleClients([CLIENT_BUNDLE]);
    // TCP_NODELAY on the mock's connections, as on a Kafka broker (see bench/nodelay-shim.c)
    mock = await startRdkafkaMock({ brokers: 1, env: { LD_PRELOAD: await nodelayShim() } });
    client = createClient({ brokers: [...mock.bootstrap], clientId: 'bench-verify' });
    console.log(`produce: ${fmt(o.records)} keyless records x ${VALUE_BYTES} B, acks 1, librdkafka mock cluster (1 broker, TCP_NODELAY set by bench/nodelay-shim.c), ` +
      `best of ${o.runs}, node clients feed chunks of ${fmt(o.chunk)} with ${o.inflight} outstanding, ` +
      `rxkafka via ${o.api === 'send' ? 'send(chunk)' : o.api === 'sink' ? 'the Observer side (next + flush per chunk)' : 'produce()'}${o.nodeFlags.length > 0 ? `, node flags ${o.nodeFlags.join(' ')}` : ''}; ` +
      `kcat RSS via ${(await hasGnuTime()) ? 'GNU time' : 'VmHWM poll'}`);
    const cells: Cell[] = [];
    let topicSeq = 0;
    // What each process holds before any record: runtime, modules, one connection.
    const idle: string[] = [];
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    for (const name of o.clients) {
      const topic = `bench-produce-${topicSeq++}-${name}-idle`;
      await mock.createTopic(topic, 1, 1);
      const sample = name === 'kcat' ? await runKcat(mock.bootstrap, topic, 'none', empty, dir) : await runNode(name, mock.bootstrap, topic, 'none', o, false, 0);
      idle.push(`${name} ${fmt(sample.rssKb / 1024, 1)} MiB`);
    }
    console.log(`idle peak RSS (started, connected, 0 records): ${idle.join(', ')}`);
    for (const partitions of o.partitions) {
      for (const codec of o.codecs) {
        const samples = new Map<RowName, Sample[]>();
        const rows = rowsOf(o);
        for (let r = 0; r < o.runs; r++) {
          // Rotate the order so no client always runs first (or last) in a cell.
          const order = rows.map((_, i) => rows[(i + r) % rows.length]);
          for (const name of order) {
            const topic = `bench-produce-${topicSeq++}-${name}-${partitions}p-${codec}`;
            await mock.createTopic(topic, partitions, 1);
            const sample = name === 'kcat'
              ? await runKcat(mock.bootstrap, topic, codec, file, dir)
              : await runNode(name, mock.bootstrap, topic, codec, o);
            const total = await endOffsetTotal(client, topic, partitions);
            if (total !== BigInt(name === 'input' ? 0 : o.records)) throw new Error(`produce bench: ${name} left ${total} records in ${topic}, expected ${o.records}`);
            samples.set(name, [...(samples.get(name) ?? []), sample]);
            process.stderr.write(`  ${name} ${partitions}p ${codec} run ${r + 1}: ${
              sample.windowMs === undefined ? '' : `send→ack ${fmt(sample.windowMs)} ms, `}wall ${fmt(sample.wallMs)} ms, RSS ${fmt(sample.rssKb / 1024)} MiB\n`);
          }
        }
        for (const name of rows) {
          const s = samples.get(name) ?? [];
          const windows = s.map((x) => x.windowMs).filter((w): w is number => w !== undefined);
          const ready = s.map((x) => x.result?.readyMs).filter((w): w is number => w !== undefined);
          cells.push({
            client: name,
            partitions,
            codec,
            windowMs: windows.length > 0 ? Math.min(...windows) : undefined,
            wallMs: Math.min(...s.map((x) => x.wallMs)),
            readyMs: ready.length > 0 ? Math.min(...ready) : undefined,
            rssKb: Math.max(...s.map((x) => x.rssKb)),
            rssSource: s[0]?.rssSource ?? '',
          });
        }
        if (o.profile) {
          const topic = `bench-produce-${topicSeq++}-profile-${partitions}p-${codec}`;
          await mock.createTopic(topic, partitions, 1);
          printProfile(partitions, codec, await runNode('rxkafka', mock.bootstrap, topic, codec, o, true));
        }
      }
    }
    console.log(`\n${table(cells, o)}\n\n${ratios(cells, o)}\n`);
    console.log('Targets: rxkafka >= 3x KafkaJS, >= 0.5x kcat. MB/s counts value bytes (100 B per record).');
    console.log('send→ack: first send to last acknowledgement, after connect + metadata; process wall: spawn to exit, incl. node start-up and module loading for the node clients.');
    console.log('Peak RSS: the largest over the runs; node clients by process.resourceUsage().maxRSS, kcat as stated above.');
    if (rowsOf(o).includes('input')) {
      console.log('input: the send() lanes alone (the same chunks of values and record objects, resolved at once, no producer); "less input" subtracts its window from rxkafka\'s, a lower bound on the input\'s share since its garbage dies younger there.');
    }
  } finally {
    await client?.close();
    await mock?.stop();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Consumer throughput: rxkafka (records$ and batches$, each in group and assign mode), KafkaJS
 * (eachBatch, group) and `kcat -C` (native librdkafka, assign) reading the same preloaded
 * records from one librdkafka mock cluster (1 broker) in the same run, each in its own process
 * so its peak RSS is its own; every run is checked to have read exactly the preloaded records.
 *
 *   npm run bench -- consume [--records=1000000] [--runs=3] [--partitions=1,8] [--codecs=none,lz4]
 *                            [--clients=rxkafka,kafkajs,kcat]
 *                            [--rxkafka=records-group,records-assign,batches-group,batches-assign]
 *                            [--deadline-ms=60000] [--idle-ms=10000] [--node-flags=--flag,--flag]
 *
 * Broker: librdkafka's mock, run on a copy of librdkafka without its mock's 5 MiB
 * per-partition cap (/work/shared/tools/librdkafka-mock-unbounded.py, LD_LIBRARY_PATH for the
 * mock process only), with ListOffsets capped at v3 (its v4+ answers are mis-sized). One topic
 * per (partitions, codec), preloaded once with `kcat -P` (records / partitions per partition,
 * keyless 100-byte values, the produce bench's payload, linger 100 ms so batches fill to
 * librdkafka's default batch.size), then read by every client; log start 0 and log end checked
 * before the reads.
 *
 * Clients, each on its default consumer settings:
 *   rxkafka  client.consumer({ groupId: unique, topics: [t], autoOffsetReset: 'earliest' }) or
 *            client.consumer({ assign: [{ topic, partition, offset: 0n }, ...] }); records$ or
 *            batches$ subscribed, acks 'auto' (bench/consume-rxkafka-child.ts)
 *   KafkaJS  consumer({ groupId: unique }), subscribe fromBeginning, run({ eachBatch })
 *            (bench/consume-kafkajs-child.ts); lz4 registered from lz4-napi
 *   kcat     kcat -C -b … -t t -o beginning -c <records> -e -q -f '%p %o\n' (no group: assigns
 *            every partition); -c ends it at the last record, as the node clients end, instead of
 *            a further Fetch at the log end that the mock holds for fetch.wait.max.ms (500 ms)
 *            before -e sees end of partition; stdout read by this process, parsed after exit
 *
 * Check, every run: exactly `records` records, and per partition count = log end - log start,
 * first offset = log start, last = log end - 1, offsets strictly increasing. A run that fails
 * the check (or errors, misses its deadline, or stalls: no record for --idle-ms) is reported
 * FAILED, not timed, and that client is not run again in that cell.
 *
 * Timing: node clients report consumer start → first record (connect, metadata, group join,
 * first fetch) and first → last record; kcat is timed from its first output to its exit (its
 * last output comes within a few ms of its exit).
 * Every client's process wall time (spawn to exit) is reported too. Group-mode rows include the
 * mock's initial-join delay (it completes the first rebalance of an empty group after 3 s) in
 * start → first and in wall, not in first → last. No timing here is part of any test.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { firstValueFrom } from 'rxjs';
import { startRdkafkaMock, type RdkafkaMock } from '../spec/interop/rdkafka-mock.js';
import { createClient, type KafkaClient } from '../src/index.js';
import { ListOffsets } from '../src/protocol/messages/index.js';
import { RX_MODES, Tally, type ConsumeResult, type PartitionTally, type RxMode } from './consume-child.js';
import { bundlePath, tryBundleClients } from './bundle.js';
import { measure, type Measured } from './measure-process.js';
import { VALUE_BYTES, writePayloadFile } from './produce-payload.js';

type ClientName = 'rxkafka' | 'kafkajs' | 'kcat';
type Codec = 'none' | 'lz4';
/** One row of the tables: an rxkafka mode, KafkaJS or kcat. */
type Variant = { client: 'rxkafka'; mode: RxMode } | { client: 'kafkajs' } | { client: 'kcat' };

interface Options {
  records: number;
  runs: number;
  partitions: number[];
  codecs: Codec[];
  clients: ClientName[];
  rxModes: RxMode[];
  deadlineMs: number;
  idleMs: number;
  nodeFlags: string[];
}

/** log start and log end of each partition, by partition index. */
type Ranges = { start: bigint; end: bigint }[];

/** One process run. */
interface Sample {
  ok: boolean;
  /** Why the run failed, or why the client could not run. */
  reason?: string;
  available: boolean;
  firstMs: number | null;
  windowMs: number | null;
  wallMs: number;
  cpuMs: number | undefined;
  rssKb: number;
}

/** Best times over the ok runs of one cell, the largest peak RSS, and any failure. */
interface Cell {
  variant: Variant;
  partitions: number;
  codec: Codec;
  available: boolean;
  failure: string | undefined;
  firstMs: number | undefined;
  windowMs: number | undefined;
  wallMs: number | undefined;
  cpuMs: number | undefined;
  rssKb: number | undefined;
}

const REPO = join(import.meta.dirname, '..');
const UNBOUNDED_SCRIPT = join(REPO, '..', 'shared', 'tools', 'librdkafka-mock-unbounded.py');
const BUNDLES = { rxkafka: 'consume-rxkafka-child', kafkajs: 'consume-kafkajs-child' } as const;
const GNU_TIME = '/usr/bin/time';
const PRELOAD_TIMEOUT_MS = 300_000;
/**
 * Preload batching: linger long enough that every batch fills to librdkafka's batch.size
 * (1,000,000 B: ~9,000 records of 100 B). The mock answers a Fetch with one batch per partition,
 * so this makes each of its answers ~0.9 MB a partition, about what a Kafka broker returns at the
 * clients' default 1 MiB per-partition fetch size; linger 5 ms leaves batches of uneven size.
 */
const PRELOAD_LINGER_MS = 100;
/** Bound on a child beyond its own deadline (start-up, close, exit). */
const KILL_MARGIN_MS = 30_000;

const OPTION_NAMES = ['records', 'runs', 'partitions', 'codecs', 'clients', 'rxkafka', 'deadline-ms', 'idle-ms', 'node-flags'];

function parseOptions(args: string[]): Options {
  for (const a of args) {
    const name = /^--([a-z-]+)=/.exec(a)?.[1];
    if (name === undefined || !OPTION_NAMES.includes(name)) throw new Error(`consume bench: unknown argument ${a} (--${OPTION_NAMES.join('=, --')}=)`);
  }
  const opt = (name: string, fallback: string): string => {
    const hit = args.find((a) => a.startsWith(`--${name}=`));
    return hit === undefined ? fallback : hit.slice(name.length + 3);
  };
  const list = (name: string, fallback: string) => opt(name, fallback).split(',').filter((s) => s !== '');
  const codecs = list('codecs', 'none,lz4');
  const clients = list('clients', 'rxkafka,kafkajs,kcat');
  const rxModes = list('rxkafka', RX_MODES.join(','));
  for (const c of codecs) if (c !== 'none' && c !== 'lz4') throw new Error(`consume bench: codec ${c} (none|lz4)`);
  for (const c of clients) if (!['rxkafka', 'kafkajs', 'kcat'].includes(c)) throw new Error(`consume bench: client ${c} (rxkafka|kafkajs|kcat)`);
  for (const m of rxModes) if (!RX_MODES.includes(m as RxMode)) throw new Error(`consume bench: rxkafka mode ${m} (${RX_MODES.join('|')})`);
  const o: Options = {
    records: Number(opt('records', '1000000')),
    runs: Number(opt('runs', '3')),
    partitions: list('partitions', '1,8').map(Number),
    codecs: codecs as Codec[],
    clients: clients as ClientName[],
    rxModes: rxModes as RxMode[],
    deadlineMs: Number(opt('deadline-ms', '60000')),
    idleMs: Number(opt('idle-ms', '10000')),
    nodeFlags: list('node-flags', ''),
  };
  if (!Number.isInteger(o.records) || o.records < 1) throw new Error(`consume bench: --records=${o.records}`);
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`consume bench: --runs=${o.runs}`);
  for (const p of o.partitions) if (!Number.isInteger(p) || p < 1 || p > o.records) throw new Error(`consume bench: --partitions ${p}`);
  return o;
}

function label(v: Variant): string {
  if (v.client === 'kafkajs') return 'KafkaJS eachBatch (group)';
  if (v.client === 'kcat') return 'kcat -C (assign)';
  const [stream, mode] = v.mode.split('-');
  return `rxkafka ${stream}$ (${mode})`;
}

const hasGnuTime = (() => {
  let known: boolean | undefined;
  return async (): Promise<boolean> => {
    if (known === undefined) {
      try {
        await measure(GNU_TIME, ['-f', '%M', 'true'], 10_000);
        known = true;
      } catch {
        known = false;
      }
    }
    return known;
  };
})();

/** Writes the unbounded copy of librdkafka into dir (its file is dir/librdkafka.so.1). */
async function unboundedLibrary(dir: string): Promise<void> {
  if (!existsSync(UNBOUNDED_SCRIPT)) throw new Error(`consume bench: ${UNBOUNDED_SCRIPT} not found`);
  await measure('python3', [UNBOUNDED_SCRIPT, join(dir, 'librdkafka.so.1')], 60_000);
}

/** Pids of this process's children (every thread's), from /proc. */
function childPids(): number[] {
  const tasks = readdirSync(`/proc/${process.pid}/task`);
  return tasks.flatMap((t) => {
    try {
      return readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
    } catch {
      return [];
    }
  });
}

/**
 * Starts the mock with LD_LIBRARY_PATH pointing at the unbounded library (for its process
 * only: the variable is restored before anything else is spawned), then checks the mock
 * process really mapped that library.
 */
async function startUnboundedMock(libDir: string): Promise<RdkafkaMock> {
  const before = new Set(childPids());
  const saved = process.env.LD_LIBRARY_PATH;
  process.env.LD_LIBRARY_PATH = libDir;
  let mock: RdkafkaMock;
  try {
    mock = await startRdkafkaMock({ brokers: 1 });
  } finally {
    if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = saved;
  }
  const lib = join(libDir, 'librdkafka.so.1');
  const mapped = childPids().filter((pid) => !before.has(pid)).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/maps`, 'utf8').includes(lib);
    } catch {
      return false;
    }
  });
  if (!mapped) {
    await mock.stop();
    throw new Error(`consume bench: the mock process did not load ${lib}`);
  }
  // librdkafka 2.0's mock mis-encodes ListOffsets v4+ (docs: DESIGN.md, peers' quirks).
  await mock.setApiVersion(2, 0, 3);
  return mock;
}

/** Offsets (timestamp -2: log start, -1: log end) of every partition of the topic. */
async function listOffsets(client: KafkaClient, topic: string, partitions: number, timestamp: bigint): Promise<bigint[]> {
  const metadata = await client.metadata([topic]);
  const byLeader = new Map<number, number[]>();
  for (const p of metadata.topics[0]?.partitions ?? []) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partition]);
  const found = [...byLeader.values()].reduce((n, ps) => n + ps.length, 0);
  if (found !== partitions) throw new Error(`consume bench: ${topic} has ${found} partitions in metadata, expected ${partitions}`);
  const out = new Array<bigint>(partitions);
  for (const [leader, ps] of byLeader) {
    const res = await firstValueFrom(client.request({ nodeId: leader }, ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: ps.map((p) => ({ partitionIndex: p, timestamp })) }],
    }, { maxVersion: 3 }));
    for (const p of res.topics.flatMap((t) => t.partitions)) {
      if (p.errorCode !== 0) throw new Error(`consume bench: ListOffsets ${topic}[${p.partitionIndex}] error ${p.errorCode}`);
      out[p.partitionIndex] = p.offset;
    }
  }
  return out;
}

/**
 * Produces `records` records onto the topic, records / partitions to each partition (the first
 * records % partitions get one more), with `kcat -P -p <partition>`; returns the checked ranges.
 */
async function preload(
  mock: RdkafkaMock, client: KafkaClient, dir: string, topic: string, partitions: number, codec: Codec, records: number,
): Promise<{ ranges: Ranges; ms: number }> {
  const started = performance.now();
  await mock.createTopic(topic, partitions, 1);
  const files = new Map<number, string>();
  const per = (p: number) => Math.floor(records / partitions) + (p < records % partitions ? 1 : 0);
  for (let p = 0; p < partitions; p++) {
    const n = per(p);
    if (!files.has(n)) {
      const file = join(dir, `values-${n}.txt`);
      writePayloadFile(file, n);
      files.set(n, file);
    }
    await measure('kcat', ['-P', '-q', '-b', mock.bootstrap.join(','), '-t', topic, '-p', String(p), '-l', files.get(n) ?? '',
      '-X', 'acks=1', '-X', `compression.codec=${codec}`, '-X', `linger.ms=${PRELOAD_LINGER_MS}`], PRELOAD_TIMEOUT_MS);
  }
  for (const file of files.values()) rmSync(file, { force: true });
  const starts = await listOffsets(client, topic, partitions, -2n);
  const ends = await listOffsets(client, topic, partitions, -1n);
  const ranges = starts.map((start, p) => ({ start, end: ends[p] }));
  ranges.forEach(({ start, end }, p) => {
    if (start !== 0n || end !== BigInt(per(p))) {
      throw new Error(`consume bench: ${topic}[${p}] holds offsets ${start}..${end - 1n} after preload, expected 0..${per(p) - 1} ` +
        '(is the mock running without its 5 MiB cap?)');
    }
  });
  return { ranges, ms: performance.now() - started };
}

/** undefined when the run read exactly the records in `ranges`, else what was wrong. */
function check(count: number, stray: number, tallies: PartitionTally[], ranges: Ranges, records: number): string | undefined {
  const problems: string[] = [];
  if (count !== records) problems.push(`${count} of ${records} records`);
  if (stray > 0) problems.push(`${stray} records on unknown partitions`);
  ranges.forEach(({ start, end }, p) => {
    const t = tallies[p];
    const want = { count: Number(end - start), first: Number(start), last: Number(end) - 1 };
    if (t === undefined || t.count !== want.count || t.first !== want.first || t.last !== want.last || !t.ordered) {
      problems.push(`p${p}: ${t?.count ?? 0} records, offsets ${t?.first ?? '-'}..${t?.last ?? '-'}${t?.ordered === false ? ' out of order/duplicated' : ''} ` +
        `(want ${want.count}, ${want.first}..${want.last})`);
    }
  });
  return problems.length === 0 ? undefined : problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; +${problems.length - 3} more` : '');
}

async function runKcat(bootstrap: readonly string[], topic: string, partitions: number, ranges: Ranges, o: Options, dir: string): Promise<Sample> {
  const kcat = ['kcat', '-C', '-b', bootstrap.join(','), '-t', topic, '-o', 'beginning', '-c', String(o.records), '-e', '-q', '-f', '%p %o\\n'];
  const timeout = o.deadlineMs + KILL_MARGIN_MS;
  let m: Measured;
  let rssKb: number;
  let cpuMs: number | undefined;
  try {
    if (await hasGnuTime()) {
      // GNU time reports kcat's own peak RSS and CPU exactly (its fork+exec is ~1 ms of wall).
      const out = join(dir, 'time.txt');
      m = await measure(GNU_TIME, ['-f', '%M %U %S', '-o', out, ...kcat], timeout);
      const [maxRss, user, sys] = (readFileSync(out, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
      rssKb = maxRss;
      cpuMs = (user + sys) * 1000;
    } else {
      m = await measure(kcat[0], kcat.slice(1), timeout);
      rssKb = m.polledRssKb;
    }
  } catch (error) {
    return { ok: false, available: true, reason: error instanceof Error ? error.message : String(error), firstMs: null, windowMs: null, wallMs: 0, cpuMs: undefined, rssKb: 0 };
  }
  // Parsed after kcat has exited, so the parsing takes no CPU from the timed run.
  const tally = new Tally({ bootstrap: [], topic, partitions, records: o.records, codec: 'none', mode: 'records-assign', deadlineMs: 0, idleMs: 0 });
  const text = m.stdout.toString('latin1');
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const line = text.slice(at, nl === -1 ? text.length : nl);
    at = nl === -1 ? text.length : nl + 1;
    if (line === '') continue;
    const space = line.indexOf(' ');
    tally.add(Number(line.slice(0, space)), Number(line.slice(space + 1)));
  }
  const t = tally.result({ available: true });
  const reason = check(t.count, t.stray, t.partitions, ranges, o.records);
  return {
    ok: reason === undefined,
    available: true,
    ...(reason === undefined ? {} : { reason }),
    firstMs: m.firstOutputMs ?? null,
    windowMs: m.firstOutputMs === undefined ? null : m.wallMs - m.firstOutputMs,
    wallMs: m.wallMs,
    cpuMs,
    rssKb,
  };
}

async function runNode(
  client: 'rxkafka' | 'kafkajs', mode: RxMode, bootstrap: readonly string[], topic: string, partitions: number, codec: Codec, ranges: Ranges, o: Options,
): Promise<Sample> {
  const args = [...o.nodeFlags, bundlePath(BUNDLES[client]), `--bootstrap=${bootstrap.join(',')}`, `--topic=${topic}`,
    `--partitions=${partitions}`, `--records=${o.records}`, `--codec=${codec}`, `--mode=${mode}`, `--deadline-ms=${o.deadlineMs}`, `--idle-ms=${o.idleMs}`];
  const failed = (reason: string, wallMs = 0): Sample => ({ ok: false, available: true, reason, firstMs: null, windowMs: null, wallMs, cpuMs: undefined, rssKb: 0 });
  let m: Measured;
  try {
    m = await measure(process.execPath, args, o.deadlineMs + KILL_MARGIN_MS);
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
  let r: ConsumeResult;
  try {
    r = JSON.parse(m.stdout.toString().trim().split('\n').pop() ?? '') as ConsumeResult;
  } catch {
    return failed(`no result line: ${m.stdout.toString().slice(-200)}`, m.wallMs);
  }
  const rssKb = Math.max(r.maxRssKb, m.polledRssKb);
  if (!r.available) return { ok: false, available: false, reason: r.reason ?? 'not available', firstMs: null, windowMs: null, wallMs: m.wallMs, cpuMs: r.cpuMs, rssKb };
  const reason = r.reason ?? check(r.count, r.stray, r.partitions, ranges, o.records);
  return { ok: reason === undefined, available: true, ...(reason === undefined ? {} : { reason }), firstMs: r.firstMs, windowMs: r.windowMs, wallMs: m.wallMs, cpuMs: r.cpuMs, rssKb };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const dash = '—';
const ms = (v: number | undefined) => (v === undefined ? dash : fmt(v));
const rate = (records: number, v: number | undefined) => (v === undefined || v <= 0 ? undefined : records / (v / 1000));

function cellOf(variant: Variant, partitions: number, codec: Codec, samples: Sample[]): Cell {
  const ok = samples.filter((s) => s.ok);
  const best = (pick: (s: Sample) => number | null | undefined) => {
    const values = ok.map(pick).filter((v): v is number => v !== null && v !== undefined);
    return values.length > 0 ? Math.min(...values) : undefined;
  };
  const bad = samples.findIndex((s) => !s.ok && s.available);
  return {
    variant,
    partitions,
    codec,
    available: samples.every((s) => s.available),
    failure: bad === -1 ? undefined : `run ${bad + 1}: ${samples[bad].reason ?? 'failed'}`,
    firstMs: best((s) => s.firstMs),
    windowMs: best((s) => s.windowMs),
    wallMs: best((s) => s.wallMs),
    cpuMs: best((s) => s.cpuMs),
    rssKb: ok.length > 0 ? Math.max(...ok.map((s) => s.rssKb)) : undefined,
  };
}

function table(cells: Cell[], o: Options): string {
  const lines = [
    '| client | partitions | codec | records/s (first→last) | MB/s (first→last) | records/s (process wall) | start→first ms | first→last ms | process wall ms | CPU ms | peak RSS MiB | check |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of cells) {
    const head = `| ${label(c.variant)} | ${c.partitions} | ${c.codec} |`;
    if (!c.available) {
      lines.push(`${head} rxkafka consumer: not available | ${dash} | ${dash} | ${dash} | ${dash} | ${dash} | ${dash} | ${dash} | ${dash} |`);
      continue;
    }
    const window = rate(o.records, c.windowMs);
    const wall = rate(o.records, c.wallMs);
    lines.push(`${head} ${window === undefined ? dash : fmt(window)} | ${window === undefined ? dash : fmt((window * VALUE_BYTES) / 1e6, 1)} | ${
      wall === undefined ? dash : fmt(wall)} | ${ms(c.firstMs)} | ${ms(c.windowMs)} | ${ms(c.wallMs)} | ${ms(c.cpuMs)} | ${
      c.rssKb === undefined ? dash : fmt(c.rssKb / 1024, 1)} | ${c.failure === undefined ? 'ok' : `FAILED (${c.failure.replace(/\|/g, '/')})`} |`);
  }
  return lines.join('\n');
}

function ratios(cells: Cell[], o: Options): string {
  const lines = [
    '| partitions | codec | rxkafka | ÷ kcat (first→last) | ÷ kcat (wall / wall) | ÷ KafkaJS (first→last) | ÷ KafkaJS (wall / wall) | RSS rxkafka / KafkaJS / kcat MiB |',
    '|---:|---|---|---:|---:|---:|---:|---|',
  ];
  // rxkafka's rate over the peer's: the peer's time over rxkafka's.
  const x = (rx: number | undefined, peer: number | undefined) => (rx === undefined || peer === undefined ? dash : `${(peer / rx).toFixed(2)}x`);
  const mib = (c: Cell | undefined) => (c?.rssKb === undefined ? dash : fmt(c.rssKb / 1024));
  for (const p of o.partitions) {
    for (const codec of o.codecs) {
      const here = cells.filter((c) => c.partitions === p && c.codec === codec);
      const ok = (c: Cell | undefined) => (c !== undefined && c.available && c.failure === undefined ? c : undefined);
      const kjs = ok(here.find((c) => c.variant.client === 'kafkajs'));
      const kcat = ok(here.find((c) => c.variant.client === 'kcat'));
      for (const rxCell of here.filter((c) => c.variant.client === 'rxkafka')) {
        const name = label(rxCell.variant).replace(/^rxkafka /, '');
        if (!rxCell.available) {
          lines.push(`| ${p} | ${codec} | ${name} | rxkafka consumer: not available | ${dash} | ${dash} | ${dash} | ${dash} / ${mib(kjs)} / ${mib(kcat)} |`);
          continue;
        }
        const rx = ok(rxCell);
        lines.push(`| ${p} | ${codec} | ${name} | ${x(rx?.windowMs, kcat?.windowMs)} | ${x(rx?.wallMs, kcat?.wallMs)} | ${
          x(rx?.windowMs, kjs?.windowMs)} | ${x(rx?.wallMs, kjs?.wallMs)} | ${mib(rx)} / ${mib(kjs)} / ${mib(kcat)} |`);
      }
    }
  }
  return lines.join('\n');
}

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const benchStarted = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'rxkafka-consume-'));
  let mock: RdkafkaMock | undefined;
  let client: KafkaClient | undefined;
  try {
    const variants: Variant[] = [
      ...(o.clients.includes('rxkafka') ? o.rxModes.map((mode): Variant => ({ client: 'rxkafka', mode })) : []),
      ...(o.clients.includes('kafkajs') ? [{ client: 'kafkajs' } as const] : []),
      ...(o.clients.includes('kcat') ? [{ client: 'kcat' } as const] : []),
    ];
    // rxkafka's child bundles src/ as it is now; if that fails its rows say why, the others run.
    let rxUnavailable: string | undefined;
    if (o.clients.includes('rxkafka')) {
      // src/ may be mid-change: that must not stop the KafkaJS and kcat rows
      const error = await tryBundleClients([BUNDLES.rxkafka]);
      if (error !== null) rxUnavailable = `rxkafka consumer: not available (bundle failed: ${error})`;
    }
    if (o.clients.includes('kafkajs')) {
      const error = await tryBundleClients([BUNDLES.kafkajs]);
      if (error !== null) throw new Error(`consume bench: bundling the KafkaJS child failed: ${error}`);
    }
    await unboundedLibrary(dir);
    mock = await startUnboundedMock(dir);
    client = createClient({ brokers: [...mock.bootstrap], clientId: 'bench-verify' });
    if (rxUnavailable === undefined && o.clients.includes('rxkafka') && typeof (client as unknown as { consumer?: unknown }).consumer !== 'function') {
      rxUnavailable = 'rxkafka consumer: not available';
    }
    if (rxUnavailable !== undefined) console.log(rxUnavailable);
    // Other work on the machine (tests, builds) skews every row; say so in the output.
    const load = () => `${loadavg()[0].toFixed(2)} (1-min load, ${availableParallelism()} CPUs)`;
    const loadAtStart = load();
    console.log(`consume: ${fmt(o.records)} keyless records x ${VALUE_BYTES} B preloaded per (partitions, codec), ` +
      `librdkafka mock cluster (1 broker, no 5 MiB cap, ListOffsets <= v3), best of ${o.runs}, default consumer settings, ` +
      `each client in its own process${o.nodeFlags.length > 0 ? `, node flags ${o.nodeFlags.join(' ')}` : ''}; ` +
      `kcat RSS/CPU via ${(await hasGnuTime()) ? 'GNU time' : 'VmHWM poll (CPU not measured)'}`);
    const cells: Cell[] = [];
    for (const partitions of o.partitions) {
      for (const codec of o.codecs) {
        const topic = `bench-consume-${partitions}p-${codec}`;
        const { ranges, ms: preloadMs } = await preload(mock, client, dir, topic, partitions, codec, o.records);
        process.stderr.write(`  preload ${topic}: ${fmt(o.records)} records with kcat -P in ${fmt(preloadMs)} ms\n`);
        const samples = new Map<Variant, Sample[]>();
        for (let r = 0; r < o.runs; r++) {
          // Rotate the order so no client always runs first (or last) in a cell.
          const order = variants.map((_, i) => variants[(i + r) % variants.length]);
          for (const v of order) {
            let sample: Sample;
            // A client that failed in this cell is not run again in it: the cell is FAILED anyway,
            // and a hang would cost its deadline again.
            if (samples.get(v)?.some((s) => !s.ok && s.available)) continue;
            if (v.client === 'rxkafka' && rxUnavailable !== undefined) {
              sample = { ok: false, available: false, reason: rxUnavailable, firstMs: null, windowMs: null, wallMs: 0, cpuMs: undefined, rssKb: 0 };
            } else if (v.client === 'kcat') {
              sample = await runKcat(mock.bootstrap, topic, partitions, ranges, o, dir);
            } else {
              sample = await runNode(v.client, v.client === 'rxkafka' ? v.mode : 'records-group', mock.bootstrap, topic, partitions, codec, ranges, o);
              // The child itself found no consumer: skip the remaining rxkafka runs.
              if (v.client === 'rxkafka' && !sample.available) {
                rxUnavailable = sample.reason ?? 'rxkafka consumer: not available';
                console.log(rxUnavailable);
              }
            }
            samples.set(v, [...(samples.get(v) ?? []), sample]);
            if (sample.available) {
              process.stderr.write(`  ${label(v)} ${partitions}p ${codec} run ${r + 1}: ${sample.ok ? 'ok' : `FAILED: ${sample.reason}`}, ` +
                `start→first ${ms(sample.firstMs ?? undefined)} ms, first→last ${ms(sample.windowMs ?? undefined)} ms, ` +
                `wall ${fmt(sample.wallMs)} ms, RSS ${fmt(sample.rssKb / 1024)} MiB\n`);
            }
          }
        }
        for (const v of variants) cells.push(cellOf(v, partitions, codec, samples.get(v) ?? []));
      }
    }
    console.log(`\n${table(cells, o)}\n\n${ratios(cells, o)}\n`);
    console.log('Ratios are rxkafka\'s rate over the peer\'s (above 1x: rxkafka faster). MB/s counts value bytes (100 B per record).');
    console.log('start→first: consumer start to first record (connect, metadata, group join, first fetch; kcat: spawn to first output); ' +
      'first→last: first to last record (kcat: first output to exit); process wall: spawn to exit, incl. node start-up for the node clients.');
    console.log('Group rows include the mock\'s 3 s initial rebalance delay in start→first and wall. Peak RSS: the largest over the runs; ' +
      'node clients by process.resourceUsage().maxRSS (and a VmHWM poll), kcat as stated above. CPU: whole process, best run.');
    if (o.clients.includes('kcat')) console.log('kcat (librdkafka 2.0.2) varies from run to run: its fetcher stops once 100,000 records are queued (queued.min.messages) ' +
      'and looks again only at its next broker-thread wake-up, up to ~1 s later.');
    console.log(`Machine load: ${loadAtStart} at start, ${load()} at end (a start value well above 0: other processes were using the CPUs too, and every row is slower and noisier for it).`);
    const failedCells = cells.filter((c) => c.failure !== undefined).length;
    console.log(`Every run is checked: exactly ${fmt(o.records)} records, per partition count, first/last offset and order; ` +
      `${failedCells === 0 ? 'all passed' : `${failedCells} cell(s) FAILED`}. Bench wall ${fmt((performance.now() - benchStarted) / 1000, 1)} s.`);
    if (failedCells > 0) process.exitCode = 1;
  } finally {
    await client?.close();
    await mock?.stop();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

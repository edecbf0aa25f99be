/**
 * The produce bench's parent side, shared by its modes (bench/produce.ts tuned,
 * bench/produce-defaults.ts and bench/produce-latency.ts): running a child or kcat to exit with its wall time and peak RSS, and checking a topic's end offsets.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import type { KafkaClient } from '../src/index.js';
import { ListOffsets } from '../src/protocol/messages/index.js';
import type { ClientResult } from './produce-child.js';
import { measure } from './measure-process.js';
export { bundleClients, bundlePath } from './bundle.js';

export type Codec = 'none' | 'lz4';

/** One process run. windowMs is undefined for kcat, which can only be timed from outside. */
export interface Sample {
  windowMs: number | undefined;
  wallMs: number;
  rssKb: number;
  /** Where rssKb came from. */
  rssSource: string;
  result?: ClientResult;
}

export const CHILD_TIMEOUT_MS = 120_000;
const GNU_TIME = '/usr/bin/time';

/** Runs a program to exit: its wall time, peak RSS and output (text). */
export async function runChild(command: string, args: string[], timeoutMs = CHILD_TIMEOUT_MS): Promise<{ wallMs: number; polledRssKb: number; stdout: string }> {
  const { wallMs, polledRssKb, stdout } = await measure(command, args, timeoutMs);
  return { wallMs, polledRssKb, stdout: stdout.toString() };
}

/** Runs a node child (a bundle) that prints its result as one JSON line, last; rssKb is the larger of its maxRSS and the poll's. */
export async function runNodeJson<R extends { maxRssKb: number }>(
  bundle: string, args: string[], nodeFlags: readonly string[] = [], timeoutMs = CHILD_TIMEOUT_MS,
): Promise<{ wallMs: number; rssKb: number; result: R }> {
  const { wallMs, polledRssKb, stdout } = await runChild(process.execPath, [...nodeFlags, bundle, ...args], timeoutMs);
  // the last JSON line: node flags such as --trace-gc print lines of their own
  const result = JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '') as R;
  return { wallMs, rssKb: Math.max(result.maxRssKb, polledRssKb), result };
}

/** Runs a producer child that prints a ClientResult. */
export async function runNodeChild(bundle: string, args: string[], nodeFlags: readonly string[] = [], timeoutMs = CHILD_TIMEOUT_MS): Promise<Sample> {
  const { wallMs, rssKb, result } = await runNodeJson<ClientResult>(bundle, args, nodeFlags, timeoutMs);
  return { windowMs: result.ms, wallMs, rssKb, rssSource: 'maxRSS', result };
}

export const hasGnuTime = (() => {
  let known: boolean | undefined;
  return async (): Promise<boolean> => {
    if (known === undefined) {
      try {
        await runChild(GNU_TIME, ['-f', '%M', 'true']);
        known = true;
      } catch {
        known = false;
      }
    }
    return known;
  };
})();

/** `kcat -P` of `file` with acks 1, the codec, and `settings` (more librdkafka name=value pairs). */
export async function runKcat(
  bootstrap: readonly string[], topic: string, codec: Codec, file: string, dir: string, settings: readonly string[],
): Promise<Sample> {
  const kcat = ['kcat', '-P', '-q', '-b', bootstrap.join(','), '-t', topic, '-l', file,
    '-X', 'acks=1', '-X', `compression.codec=${codec}`, ...settings.flatMap((s) => ['-X', s])];
  if (await hasGnuTime()) {
    // GNU time reports kcat's own peak RSS exactly (the wrapper's fork+exec is ~1 ms of wall).
    const out = join(dir, 'time.txt');
    const { wallMs } = await runChild(GNU_TIME, ['-f', '%M', '-o', out, ...kcat]);
    return { windowMs: undefined, wallMs, rssKb: Number(readFileSync(out, 'utf8').trim().split('\n').pop()), rssSource: 'GNU time' };
  }
  const { wallMs, polledRssKb } = await runChild(kcat[0], kcat.slice(1));
  return { windowMs: undefined, wallMs, rssKb: polledRssKb, rssSource: 'VmHWM poll' };
}

/** Sum of the partitions' log end offsets: the records the topic received (the mock trims old segments). */
export async function endOffsetTotal(client: KafkaClient, topic: string, partitions: number): Promise<bigint> {
  const metadata = await client.metadata([topic]);
  const byLeader = new Map<number, number[]>();
  for (const p of metadata.topics[0]?.partitions ?? []) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partition]);
  const found = [...byLeader.values()].reduce((n, ps) => n + ps.length, 0);
  if (found !== partitions) throw new Error(`produce bench: ${topic} has ${found} partitions in metadata, expected ${partitions}`);
  let total = 0n;
  for (const [leader, ps] of byLeader) {
    // librdkafka 2.0's mock mis-encodes ListOffsets v4+.
    const res = await firstValueFrom(client.request({ nodeId: leader }, ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: ps.map((p) => ({ partitionIndex: p, timestamp: -1n })) }],
    }, { maxVersion: 3 }));
    for (const p of res.topics.flatMap((t) => t.partitions)) {
      if (p.errorCode !== 0) throw new Error(`produce bench: ListOffsets ${topic}[${p.partitionIndex}] error ${p.errorCode}`);
      total += p.offset;
    }
  }
  return total;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const rate = (records: number, ms: number | undefined) => (ms === undefined ? undefined : records / (ms / 1000));
/** Other work on the machine (tests, builds) skews every row; the output says how much there was. */
export const machineLoad = () => `${loadavg()[0].toFixed(2)} (1-min load, ${availableParallelism()} CPUs)`;
/** Why a child run failed, in one line for a table: a child's exit status and the end of its stderr, or the error's message. */
export function failureReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const exited = message.indexOf(' exited ');
  return (exited >= 0 ? message.slice(exited + 1) : message).replace(/\s+/g, ' ').slice(0, 300);
}

/** `--name=value` options and `--flag`s of a bench's arguments. */
export function optionReader(args: readonly string[]) {
  const opt = (name: string, fallback: string): string => {
    const hit = args.find((a) => a.startsWith(`--${name}=`));
    return hit === undefined ? fallback : hit.slice(name.length + 3);
  };
  const list = (name: string, fallback: string) => opt(name, fallback).split(',').filter((s) => s !== '');
  return { opt, list, flag: (name: string) => args.includes(`--${name}`) };
}

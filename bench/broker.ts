/**
 * MockCluster ingest rate against librdkafka's mock cluster, in one run: the same records fed
 * by `kcat -P` (native librdkafka producer) into each, timed end to end (kcat exits once every
 * record is acknowledged). `npm run bench -- broker [--records=1000000] [--runs=3]`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRdkafkaMock } from '../spec/interop/rdkafka-mock.js';
import { MockCluster } from '../src/testing/index.js';

const VALUE_BYTES = 100;

function arg(args: string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

/** One line per record: 100 printable bytes, varied so nothing is trivially repeated. */
function inputFile(dir: string, records: number): string {
  const lines: string[] = [];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < records; i++) {
    const head = `${i}:`;
    let s = head;
    for (let j = head.length; j < VALUE_BYTES; j++) s += alphabet[(i * 7 + j * 13) % alphabet.length];
    lines.push(s);
  }
  const file = join(dir, 'records.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function kcatProduceFile(bootstrap: readonly string[], topic: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', ['-P', '-b', bootstrap.join(','), '-t', topic, '-p', '0', '-l', file, '-X', 'linger.ms=5'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`kcat exited ${code}: ${stderr}`))));
  });
}

export async function run(args: string[]): Promise<void> {
  const records = arg(args, 'records', 1_000_000);
  const runs = arg(args, 'runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'rxkafka-bench-'));
  try {
    const file = inputFile(dir, records);
    console.log(`broker ingest: kcat -P, ${records.toLocaleString()} records x ${VALUE_BYTES} B, 1 partition, acks=all, best of ${runs}`);
    const best = { mock: Infinity, rdkafka: Infinity };
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so neither always gets the warmer machine.
      for (const which of i % 2 === 0 ? (['mock', 'rdkafka'] as const) : (['rdkafka', 'mock'] as const)) {
        const topic = `bench-${i}`;
        if (which === 'mock') {
          const cluster = await MockCluster.start({ brokers: 1 });
          await cluster.createTopic(topic, { partitions: 1 });
          best.mock = Math.min(best.mock, await kcatProduceFile(cluster.bootstrap, topic, file));
          const stored = cluster.records(topic, 0).length;
          await cluster.stop();
          if (stored !== records) throw new Error(`MockCluster stored ${stored} of ${records} records`);
        } else {
          const mock = await startRdkafkaMock({ brokers: 1, topics: [{ name: topic, partitions: 1 }] });
          best.rdkafka = Math.min(best.rdkafka, await kcatProduceFile(mock.bootstrap, topic, file));
          await mock.stop();
        }
      }
    }
    const rate = (ms: number) => records / (ms / 1000);
    const row = (name: string, ms: number) =>
      `${name.padEnd(26)} ${(rate(ms) / 1e6).toFixed(2).padStart(6)} M rec/s ${((rate(ms) * VALUE_BYTES) / 1e6).toFixed(0).padStart(5)} MB/s  ${ms.toFixed(0).padStart(6)} ms`;
    console.log(row('MockCluster (rxkafka)', best.mock));
    console.log(row("librdkafka's mock cluster", best.rdkafka));
    console.log(`ratio MockCluster / librdkafka mock: ${(best.rdkafka / best.mock).toFixed(2)}x (target >= 0.5x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the package specs share: running a command (npm, node, git, tsc) to its end, and making a
 * fresh user's project with rxkafka installed into it.
 */
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** How long one command (an `npm install`, a build) may take; the specs' own timeouts are multiples of it. */
export const INSTALL_MS = 180_000;

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A command run to its end, asynchronously (a blocked worker misses vitest's own calls). */
export function run(cmd: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: INSTALL_MS, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ status: code, stdout, stderr: stderr + (error !== null && code === null ? error.message : '') });
    });
  });
}

export const failure = (r: Ran) => `exit ${String(r.status)}\n${r.stdout}\n${r.stderr}`;

/** `npm install` in `dir`, from the cache where it can, quietly; `args` are what to install, if anything. */
export const npmInstall = (dir: string, args: string[] = []) =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...args], dir);

/**
 * A fresh project in `dir` (named after it) holding `files`, with a package.json listing
 * `dependencies`, after `npm install` of those and of `args`; an install that fails throws.
 */
export async function project(
  dir: string,
  type: 'module' | 'commonjs',
  files: Record<string, string>,
  dependencies: Record<string, string>,
  args: string[] = [],
): Promise<string> {
  const name = basename(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type, dependencies }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const install = await npmInstall(dir, args);
  if (install.status !== 0) throw new Error(`npm install in ${name} failed: ${failure(install)}`);
  return dir;
}

/** What each smoke program prints: a record sent through each build, and entry points checked. */
export const expected = { offset: '0', compressed: true, sameClassAcrossEntryPoints: true, closedClientRefuses: 'ClientClosedError' };

/**
 * The body of a smoke program (ESM, or CommonJS inside an async function), after it has imported
 * createClient and KafkaProtocolError from 'rxkafka', MockCluster from 'rxkafka/testing',
 * retryBackoff from 'rxkafka/operators', and encodeRecordBatch, decodeRecordBatches and
 * KafkaProtocolError (as ProtocolError) from 'rxkafka/protocol'. It prints `expected`.
 */
export const smokeBody = `
  const cluster = await MockCluster.start();
  const client = createClient({ brokers: cluster.bootstrap });
  // lz4: the native codec binding is loaded from inside the package
  const meta = await client.producer({ compression: 'lz4' }).send({ topic: 't', value: 'hello' });
  const [batch] = await decodeRecordBatches(await encodeRecordBatch({ records: [{ value: 'x' }] }, { now: Date.now(), compression: 'lz4' }));
  // the producer is never closed by hand: closing the client closes it
  await client.close();
  let closedClientRefuses = 'accepted';
  try { client.producer(); } catch (e) { closedClientRefuses = e.name; }
  await cluster.stop();
  console.log(JSON.stringify({
    offset: String(meta.offset),
    compressed: batch.records[0].value.toString() === 'x',
    sameClassAcrossEntryPoints: ProtocolError === KafkaProtocolError && typeof retryBackoff === 'function',
    closedClientRefuses,
  }));
`;

/** A smoke program as an ES module, printing `expected`. */
export const esmSmoke = `import { createClient, KafkaProtocolError } from 'rxkafka';
import { MockCluster } from 'rxkafka/testing';
import { retryBackoff } from 'rxkafka/operators';
import { encodeRecordBatch, decodeRecordBatches, KafkaProtocolError as ProtocolError } from 'rxkafka/protocol';
${smokeBody}`;

/** A smoke program as a CommonJS module, printing `expected`. */
export const cjsSmoke = `const { createClient, KafkaProtocolError } = require('rxkafka');
const { MockCluster } = require('rxkafka/testing');
const { retryBackoff } = require('rxkafka/operators');
const { encodeRecordBatch, decodeRecordBatches, KafkaProtocolError: ProtocolError } = require('rxkafka/protocol');
(async () => {${smokeBody}})().catch((e) => { console.error(e); process.exit(1); });`;

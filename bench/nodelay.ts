/**
 * The TCP_NODELAY shim for librdkafka's mock (bench/nodelay-shim.c), compiled once per source
 * version into node_modules/.cache/rxkafka-bench/. Benches start the mock with
 * `env: { LD_PRELOAD: await nodelayShim() }`; every client of a run then talks to the same
 * broker behaving as a Kafka broker does on this point.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './measure-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'nodelay-shim.c');
const CACHE = join(here, '..', 'node_modules', '.cache', 'rxkafka-bench');

export async function nodelayShim(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const lib = join(CACHE, `nodelay-${hash}.so`);
  if (existsSync(lib)) return lib;
  mkdirSync(CACHE, { recursive: true });
  const partial = `${lib}.${process.pid}.tmp`;
  await measure('gcc', ['-O2', '-shared', '-fPIC', '-o', partial, SOURCE, '-ldl'], 60_000);
  renameSync(partial, lib);
  return lib;
}

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const generatedDir = join(repoRoot, 'src/protocol/messages/generated');

/** Runs the generator as `npm run generate -- ...args` would, from the repository root. */
function generate(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-messages.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Every file of the folder with its bytes and modification time, to tell whether anything wrote to it. */
function snapshot(dir: string): Map<string, { bytes: Buffer; mtimeMs: number }> {
  const files = new Map<string, { bytes: Buffer; mtimeMs: number }>();
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    files.set(name, { bytes: readFileSync(file), mtimeMs: statSync(file).mtimeMs });
  }
  return files;
}

function expectOneLineFailure(run: SpawnSyncReturns<string>): void {
  expect(run.status, run.stderr).toBe(2);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(lines[0]).toMatch(/^generate: /);
  expect(lines[0]).toContain('clients/src/main/resources/common/message');
  expect(lines[0]).toContain('npm run generate -- <folder>');
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

/** Kafka's message definitions, if this machine has them: KAFKA_MESSAGE_DEFINITIONS, else a sibling checkout's copy. */
function findDefinitions(): string | undefined {
  const fromEnv = process.env.KAFKA_MESSAGE_DEFINITIONS;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const sibling = resolve(repoRoot, '../shared/kafka-protocol/messages');
  return existsSync(sibling) ? sibling : undefined;
}

const definitions = findDefinitions();
if (definitions === undefined) {
  console.warn(
    'generate-messages: the regeneration test is skipped: no Kafka message definitions found. ' +
      'Set KAFKA_MESSAGE_DEFINITIONS to the clients/src/main/resources/common/message folder of an ' +
      'Apache Kafka source tree at commit 1eb7644349cb07139d6a3c1ad1986979647cac99 (4.0.0-SNAPSHOT, the ' +
      'definitions the committed files were generated from) to run it.',
  );
}

describe('scripts/generate-messages.ts', () => {
  it('without a definitions folder: one line on stderr saying what it needs, exit 2, nothing written', () => {
    const before = snapshot(generatedDir);
    const run = generate();
    expectOneLineFailure(run);
    expect(snapshot(generatedDir)).toEqual(before);
  });

  it('with a folder that does not exist: the same one-line failure, nothing written', () => {
    const before = snapshot(generatedDir);
    const run = generate(join(tmpdir(), `rxkafka-no-such-folder-${process.pid}`));
    expectOneLineFailure(run);
    expect(run.stderr).toContain('rxkafka-no-such-folder-');
    expect(snapshot(generatedDir)).toEqual(before);
  });

  it('with a folder that holds no request or response definitions: the same one-line failure', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rxkafka-generate-empty-'));
    try {
      expectOneLineFailure(generate(empty, '--out', join(empty, 'out')));
      expect(existsSync(join(empty, 'out'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a malformed definition: one line naming the file, exit 1, the output folder left as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxkafka-generate-bad-'));
    try {
      const bad = join(dir, 'defs');
      const out = join(dir, 'out');
      mkdirSync(bad);
      mkdirSync(out);
      writeFileSync(join(out, 'kept.ts'), 'export {};\n');
      writeFileSync(join(bad, 'BrokenRequest.json'), '{ "apiKey": 0, "type": "request", ');
      const run = generate(bad, '--out', out);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
      expect(run.stderr).toMatch(/^generate: BrokenRequest\.json: /);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(readdirSync(out)).toEqual(['kept.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(definitions === undefined)('refuses an --out folder holding files it did not write, and removes none of them', () => {
    const out = mkdtempSync(join(tmpdir(), 'rxkafka-generate-foreign-'));
    try {
      writeFileSync(join(out, 'notes.txt'), 'mine\n');
      const run = generate(definitions as string, '--out', out);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^generate: .*holds notes\.txt, which this script did not write/);
      expect(readdirSync(out)).toEqual(['notes.txt']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(definitions === undefined)('regenerates byte-identical files from the same definitions', () => {
    const out = mkdtempSync(join(tmpdir(), 'rxkafka-generate-'));
    try {
      const run = generate(definitions as string, '--out', out);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const committed = readdirSync(generatedDir).sort();
      expect(readdirSync(out).sort()).toEqual(committed);
      for (const name of committed) {
        const same = readFileSync(join(out, name)).equals(readFileSync(join(generatedDir, name)));
        expect(same, `${name} differs from the committed file`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

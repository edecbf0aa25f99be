import { join } from 'node:path';
import { ESLint } from 'eslint';
import rxjsX from 'eslint-plugin-rxjs-x';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The lint rules that keep docs/architecture.md true: layers import only downwards, and only
 * src/clock.ts reads the clock. Each fixture is a code string linted under a virtual path with
 * the repository's own eslint.config.js.
 *
 * The virtual paths are not in the tsconfig project, so typescript-eslint's project service
 * would refuse them ("not found by the project service"). The rules under test are syntactic,
 * so this ESLint instance only turns type-aware linting off (the parser's project service,
 * typescript-eslint's type-checked rules and rxjs-x's rules, which all need type information);
 * every other rule and every `files` glob is the real config's.
 */
const repoRoot = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: [
    { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked },
    { files: ['**/*.ts'], rules: Object.fromEntries(Object.keys(rxjsX.rules).map((name) => [`rxjs-x/${name}`, 'off'])) },
  ],
});

interface Found {
  ruleId: string | null;
  message: string;
  line: number;
}

async function lint(filePath: string, code: string): Promise<Found[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map(({ ruleId, message, line }) => ({ ruleId, message, line }));
}

const LAYERS = 'rxkafka/layers';
const layerError = (from: string, to: string, line = 1): Found => ({
  ruleId: LAYERS,
  message: expect.stringMatching(
    new RegExp(`^${escapeRegExp(from)} must not import from ${escapeRegExp(to)} \\(layers import only downwards; .*see docs/architecture\\.md\\)$`),
  ),
  line,
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('lint: layers import only downwards', () => {
  it('names the rule when protocol/ imports cluster/', async () => {
    expect(await lint('src/protocol/fixture-upward.ts', "import { createClusterClient } from '../cluster/client.js';\nexport const c = createClusterClient;\n")).toEqual([
      layerError('protocol/', 'cluster/'),
    ]);
  });

  it.each([
    // [importing file, specifier, importing layer, imported layer]
    ['src/protocol/records/fixture-upward.ts', '../../network/index.js', 'protocol/', 'network/'],
    ['src/protocol/fixture-upward.ts', '../operators/index.js', 'protocol/', 'operators/'],
    ['src/protocol/fixture-upward.ts', '../client.js', 'protocol/', 'client.ts'],
    ['src/protocol/fixture-upward.ts', 'rxkafka', 'protocol/', 'index.ts'],
    ['src/protocol/fixture-upward.ts', 'rxkafka/cluster', 'protocol/', 'cluster/'],
    // the codecs read no clock: a time they need is an input
    ['src/protocol/records/fixture-upward.ts', '../../clock.js', 'protocol/', 'clock.ts'],
    ['src/network/fixture-upward.ts', '../cluster/index.js', 'network/', 'cluster/'],
    ['src/network/fixture-upward.ts', '../operators/retry-backoff.js', 'network/', 'operators/'],
    ['src/operators/fixture-upward.ts', '../protocol/index.js', 'operators/', 'protocol/'],
    ['src/operators/fixture-upward.ts', '../network/index.js', 'operators/', 'network/'],
    ['src/operators/fixture-upward.ts', '../secret.js', 'operators/', 'secret.ts'],
    ['src/cluster/fixture-upward.ts', '../producer/producer.js', 'cluster/', 'producer/'],
    ['src/cluster/fixture-upward.ts', '../testing/index.js', 'cluster/', 'testing/'],
    ['src/producer/fixture-upward.ts', '../client.js', 'producer/', 'client.ts'],
    ['src/producer/fixture-upward.ts', '../testing/mock-cluster/mock-cluster.js', 'producer/', 'testing/'],
    ['src/producer/fixture-upward.ts', '../consumer/index.js', 'producer/', 'consumer/'],
    ['src/consumer/fixture-upward.ts', '../admin/index.js', 'consumer/', 'admin/'],
    ['src/admin/fixture-upward.ts', '../consumer/index.js', 'admin/', 'consumer/'],
    // a module not in the table is not allowed until it is added there
    ['src/protocol/fixture-upward.ts', '../util/bytes.js', 'protocol/', 'util/'],
    ['src/errors.ts', './protocol/index.js', 'errors.ts', 'protocol/'],
    ['src/clock.ts', './operators/index.js', 'clock.ts', 'operators/'],
    ['src/secret.ts', './cluster/index.js', 'secret.ts', 'cluster/'],
  ])('%s importing %s fails', async (file, specifier, from, to) => {
    expect(await lint(file, `export * from '${specifier}';\n`)).toEqual([layerError(from, to)]);
  });

  it('checks every form of import: named, type-only, re-export, dynamic import(), typeof import()', async () => {
    const code = [
      "import { createClusterClient } from '../cluster/client.js';",
      "import type { ClusterClient } from '../cluster/index.js';",
      "export { STALE_METADATA_CODES } from '../cluster/index.js';",
      "export const loaded = import('../cluster/index.js');",
      "export type Client = typeof import('../cluster/index.js') | ClusterClient;",
      'export const c = createClusterClient;',
      '',
    ].join('\n');
    expect(await lint('src/protocol/fixture-upward.ts', code)).toEqual([1, 2, 3, 4, 5].map((line) => layerError('protocol/', 'cluster/', line)));
  });

  it.each([
    ['src/protocol/fixture-downward.ts', ['../errors.js', '../secret.js', './primitives.js', 'rxjs', 'node:zlib']],
    ['src/protocol/records/fixture-downward.ts', ['../../errors.js', '../compression/index.js', './types.js']],
    ['src/network/fixture-downward.ts', ['../protocol/index.js', '../protocol/messages/index.js', '../errors.js', '../clock.js', '../secret.js', './sasl/index.js']],
    ['src/operators/fixture-downward.ts', ['../errors.js', '../clock.js', './retriable.js', 'rxjs']],
    ['src/cluster/fixture-downward.ts', ['../network/index.js', '../operators/retry-backoff.js', '../protocol/messages/index.js', '../errors.js', '../secret.js', './config.js']],
    ['src/producer/fixture-downward.ts', ['../cluster/index.js', '../network/index.js', '../operators/batch.js', '../protocol/index.js', '../clock.js', './partitioners/index.js']],
    ['src/consumer/fixture-downward.ts', ['../cluster/index.js', '../network/index.js', '../operators/index.js', '../protocol/index.js', '../errors.js']],
    ['src/testing/mock-cluster/fixture-downward.ts', ['../../protocol/index.js', '../../network/frame-reader.js', '../../cluster/index.js', '../../producer/producer.js', '../../client.js']],
    ['src/client.ts', ['./cluster/index.js', './producer/producer.js', './testing/index.js', './clock.js']],
    ['src/index.ts', ['./client.js', './cluster/index.js', './producer/errors.js', './network/index.js', './operators/index.js']],
    ['src/errors.ts', ['./secret.js', 'node:util']],
    ['src/clock.ts', ['rxjs']],
  ])('%s importing downwards passes', async (file, specifiers) => {
    const code = specifiers.map((specifier) => `export * from '${specifier}';\n`).join('');
    expect(await lint(file, code)).toEqual([]);
  });
});

describe('lint: only src/clock.ts reads the clock', () => {
  const reads: [string, string, Found][] = [
    ['setTimeout', 'export const t = setTimeout(() => undefined, 10);\n', { ruleId: 'no-restricted-globals', message: "Unexpected use of 'setTimeout'. Take a SchedulerLike and ask it", line: 1 }],
    ['setInterval', 'export const t = setInterval(() => undefined, 10);\n', { ruleId: 'no-restricted-globals', message: "Unexpected use of 'setInterval'. Take a SchedulerLike and ask it", line: 1 }],
    ['Date.now()', 'export const t = Date.now();\n', { ruleId: 'no-restricted-properties', message: "'Date.now' is restricted from being used. Take a SchedulerLike and ask it", line: 1 }],
    ['performance.now()', 'export const t = performance.now();\n', { ruleId: 'no-restricted-properties', message: "'performance.now' is restricted from being used. Take a SchedulerLike and ask it", line: 1 }],
    ['globalThis.setTimeout', 'export const t = globalThis.setTimeout(() => undefined, 10);\n', { ruleId: 'no-restricted-properties', message: "'globalThis.setTimeout' is restricted from being used. Take a SchedulerLike and ask it", line: 1 }],
    ["node:timers/promises", "import { setTimeout as sleep } from 'node:timers/promises';\nexport const t = sleep(10);\n", { ruleId: 'no-restricted-imports', message: "'node:timers/promises' import is restricted from being used. Take a SchedulerLike and ask it", line: 1 }],
  ];
  const asExpected = ({ ruleId, message, line }: Found): Found => ({ ruleId, message: expect.stringContaining(message), line });

  it.each(reads)('%s fails in src/ outside clock.ts', async (_name, code, expected) => {
    for (const file of ['src/protocol/fixture-time.ts', 'src/operators/fixture-time.ts', 'src/testing/mock-cluster/fixture-time.ts', 'src/client.ts']) {
      expect({ file, messages: await lint(file, code) }).toEqual({ file, messages: [asExpected(expected)] });
    }
  });

  it.each(reads)('%s passes in src/clock.ts and outside src/', async (_name, code) => {
    for (const file of ['src/clock.ts', 'spec/lint/fixture-time.ts', 'marble-tests/fixture-time.ts', 'bench/fixture-time.ts', 'examples/fixture-time.ts', 'scripts/fixture-time.ts']) {
      expect({ file, messages: await lint(file, code) }).toEqual({ file, messages: [] });
    }
  });

  it('the time message points to the scheduler and the architecture page', async () => {
    const [found] = await lint('src/network/fixture-time.ts', 'export const t = Date.now();\n');
    expect(found.message).toContain('scheduler.now()');
    expect(found.message).toContain('docs/architecture.md');
  });
});

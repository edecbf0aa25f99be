import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjsSmoke, esmSmoke, expected, failure, INSTALL_MS, project as npmProject, repo, run } from './npm-project.js';
import { readmeSamples } from './readme-samples.js';

/**
 * The package as a user gets it: `npm pack` (which builds, through `prepare`), then the tarball
 * installed into fresh projects, one ESM and one CommonJS, each importing every entry point,
 * running a producer against a MockCluster and exiting by itself after `client.close()`; and
 * TypeScript projects (nodenext ESM and CommonJS, node10) type-checking against its types,
 * the examples and the README's samples among them.
 */
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

let work: string;
let tarball: string;

/** A fresh project holding `files`, with the tarball installed as its dependency. */
const project = (name: string, type: 'module' | 'commonjs', files: Record<string, string>) =>
  npmProject(join(work, name), type, files, { rxkafka: `file:${tarball}` });

/** A tsconfig for a user's project; node's types come from this repository's install. */
const tsconfig = (compilerOptions: Record<string, unknown>, include: string[]) =>
  JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', types: ['node'], typeRoots: [join(repo, 'node_modules/@types')], ...compilerOptions },
    include,
  });

const typecheck = (dir: string, config: string) => run(process.execPath, [tsc, '-p', join(dir, config)], dir);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rxkafka-pack-'));
  const pack = await run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], repo);
  if (pack.status !== 0) throw new Error(`npm pack failed: ${failure(pack)}`);
  const name = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (name === undefined) throw new Error(`npm pack wrote no tarball: ${failure(pack)}`);
  tarball = join(work, name);
}, INSTALL_MS);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the ESM and CommonJS builds with their types, the README and the LICENSE, and no sources or tests', async () => {
    const list = await run('tar', ['-tzf', tarball], work);
    expect(list.status, failure(list)).toBe(0);
    const files = new Set(list.stdout.split('\n').filter(Boolean));
    for (const entry of ['', 'operators/', 'protocol/', 'testing/']) {
      for (const built of [`dist/${entry}index.js`, `dist/${entry}index.d.ts`, `dist/cjs/${entry}index.js`, `dist/cjs/${entry}index.d.ts`]) {
        expect(files, built).toContain(`package/${built}`);
      }
    }
    expect(files).toContain('package/dist/cjs/package.json');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/docs/architecture.md'); // the README links it
    expect([...files].filter((f) => /^package\/(src|spec|marble-tests|bench|examples|scripts)\//.test(f))).toEqual([]);
  });

  it('works from an ESM project: every entry point imports, a record goes out, and the process exits after client.close()', async () => {
    const dir = await project('esm-app', 'module', {
      'smoke.mjs': esmSmoke,
    });
    const smoke = await run(process.execPath, ['smoke.mjs'], dir);
    expect(smoke.status, failure(smoke)).toBe(0);
    expect(JSON.parse(smoke.stdout.trim())).toEqual(expected);
  }, INSTALL_MS);

  it('works from a CommonJS project: every entry point requires, a record goes out, and the process exits after client.close()', async () => {
    const dir = await project('cjs-app', 'commonjs', {
      'smoke.js': cjsSmoke,
    });
    const smoke = await run(process.execPath, ['smoke.js'], dir);
    expect(smoke.status, failure(smoke)).toBe(0);
    expect(JSON.parse(smoke.stdout.trim())).toEqual(expected);
  }, INSTALL_MS);

  it('type-checks from TypeScript: nodenext ESM (the examples and the README samples), nodenext CommonJS, and node10', async () => {
    const examples = Object.fromEntries(
      readdirSync(join(repo, 'examples'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => [`examples/${f}`, readFileSync(join(repo, 'examples', f), 'utf8')]),
    );
    const readme = Object.fromEntries([...readmeSamples(readFileSync(join(repo, 'README.md'), 'utf8'))].map(([f, t]) => [`readme/${f}`, t]));
    expect(Object.keys(readme).length).toBeGreaterThan(6); // the samples were found
    expect(Object.keys(examples).length).toBeGreaterThan(1);
    const use = `import { createClient, KafkaError, type KafkaErrorName, type ProducerRecord } from 'rxkafka';
import { MockCluster, type MockClusterOptions } from 'rxkafka/testing';
import { retryBackoff } from 'rxkafka/operators';
import { Metadata, encodeRecordBatch } from 'rxkafka/protocol';
export async function use(options: MockClusterOptions): Promise<KafkaErrorName | number> {
  const cluster = await MockCluster.start(options);
  const client = createClient({ brokers: cluster.bootstrap });
  const record: ProducerRecord<{ id: number }> = { topic: 't', value: 'v', context: { id: 1 } };
  const meta = await client.producer().send(record);
  void retryBackoff; void Metadata; void encodeRecordBatch;
  await client.close();
  return new KafkaError('x').name === 'KafkaError' ? 'KafkaError' : (meta.context?.id ?? 0);
}
`;
    const esm = await project('ts-esm-app', 'module', {
      ...examples,
      ...readme,
      'tsconfig.json': tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, ['examples', 'readme']),
    });
    const esmCheck = await typecheck(esm, 'tsconfig.json');
    expect(esmCheck.status, failure(esmCheck)).toBe(0);

    const cjs = await project('ts-cjs-app', 'commonjs', {
      'src/use.ts': use,
      'tsconfig.nodenext.json': tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, ['src']),
      'tsconfig.node10.json': tsconfig({ module: 'commonjs', moduleResolution: 'node10' }, ['src']),
    });
    for (const config of ['tsconfig.nodenext.json', 'tsconfig.node10.json']) {
      const check = await typecheck(cjs, config);
      expect(check.status, `${config}: ${failure(check)}`).toBe(0);
    }
    // and the check can fail: a wrong type against the package's own is an error
    writeFileSync(join(cjs, 'src/wrong.ts'), `import type { KafkaErrorName } from 'rxkafka';\nexport const n: KafkaErrorName = 'NoSuchError';\n`);
    const wrong = await typecheck(cjs, 'tsconfig.node10.json');
    expect(wrong.stdout).toMatch(/wrong\.ts.*'"NoSuchError"' is not assignable/);
  }, 2 * INSTALL_MS);
});


import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjsSmoke, esmSmoke, expected, failure, INSTALL_MS, npmInstall, project, repo, run, type Ran } from './npm-project.js';

/**
 * The package installed from its sources, the two routes the README's "Install" gives besides
 * the tarball: a git URL (npm clones it, installs its dev dependencies and builds it through
 * `prepare`), and a local clone's folder (built with `npm ci` first, then linked). Both start
 * from a throwaway clone of this repository's HEAD, so what is tested is what is committed:
 * uncommitted changes are not in it.
 */

/** The smoke programs, and two that print where each module system resolves 'rxkafka' to. */
const files = {
  'smoke.mjs': esmSmoke,
  'smoke.cjs': cjsSmoke,
  'where.mjs': `console.log(import.meta.resolve('rxkafka'), import.meta.resolve('rxkafka/testing'));`,
  'where.cjs': `console.log(require.resolve('rxkafka'), require.resolve('rxkafka/testing'));`,
};

let work: string;
let src: string;
/** The projects each route installed into, or why a route failed. */
let gitApp: PromiseSettledResult<string>;
let folderApp: PromiseSettledResult<string>;
/** `npm install <folder>` of the clone before it was built, and whether that left it a dist/. */
let unbuilt: Ran;
let unbuiltHasDist: boolean;

/** The project a route installed into; a failed route fails the test with its reason. */
function app(r: PromiseSettledResult<string>): string {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** What the project's package.json says it depends on. */
const dependencies = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies;

/** Both smoke programs print `expected`, and each module system resolves to its own build in `pkg` (a real path). */
async function works(dir: string, pkg: string) {
  for (const smokeFile of ['smoke.mjs', 'smoke.cjs']) {
    const smoke = await run(process.execPath, [smokeFile], dir);
    expect(smoke.status, `${smokeFile}: ${failure(smoke)}`).toBe(0);
    expect(JSON.parse(smoke.stdout.trim()), smokeFile).toEqual(expected);
  }
  const esm = await run(process.execPath, ['where.mjs'], dir);
  expect(esm.status, failure(esm)).toBe(0);
  expect(esm.stdout.trim().split(' ')).toEqual([pathToFileURL(join(pkg, 'dist/index.js')).href, pathToFileURL(join(pkg, 'dist/testing/index.js')).href]);
  const cjs = await run(process.execPath, ['where.cjs'], dir);
  expect(cjs.status, failure(cjs)).toBe(0);
  expect(cjs.stdout.trim().split(' ')).toEqual([join(pkg, 'dist/cjs/index.js'), join(pkg, 'dist/cjs/testing/index.js')]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rxkafka-source-'));
  src = join(work, 'src');
  const clone = await run('git', ['clone', '--quiet', repo, src], work);
  if (clone.status !== 0) throw new Error(`git clone failed: ${failure(clone)}`);

  // the two routes at once: they share only the clone's .git (read by npm's own clone) and npm's cache
  const viaGit = project(join(work, 'git-app'), 'commonjs', files, {}, [`git+file://${src}`]);
  const viaFolder = (async () => {
    const bare = join(work, 'unbuilt-app');
    mkdirSync(bare);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'unbuilt-app', private: true }));
    unbuilt = await npmInstall(bare, [src]);
    unbuiltHasDist = existsSync(join(src, 'dist'));
    // the README's route: `npm ci` in the clone (which builds it, through prepare), then install the folder
    const ci = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], src);
    if (ci.status !== 0) throw new Error(`npm ci in the clone failed: ${failure(ci)}`);
    return project(join(work, 'folder-app'), 'commonjs', files, {}, [src]);
  })();
  [gitApp, folderApp] = await Promise.allSettled([viaGit, viaFolder]);
}, 4 * INSTALL_MS);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('installing from the sources', () => {
  it('from a git URL: npm clones it, installs its dev dependencies, builds it through prepare, and installs the packed result; ESM and CommonJS both work', async () => {
    const dir = app(gitApp);
    expect(dependencies(dir)).toEqual({ rxkafka: `git+file://${src}` });
    const pkg = join(dir, 'node_modules/rxkafka');
    expect(lstatSync(pkg).isSymbolicLink()).toBe(false); // a copy, not a link to the clone
    expect(existsSync(join(pkg, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false); // only what `files` lists, as from the tarball
    await works(dir, realpathSync(pkg));
  });

  it('from an unbuilt clone folder: npm links it and runs prepare there, which stops, with no dev dependencies to build with, saying to run npm ci first', () => {
    expect(unbuilt.status, failure(unbuilt)).not.toBe(0);
    expect(unbuilt.stderr).toContain('rxkafka build: typescript is not installed in');
    expect(unbuilt.stderr).toContain('run `npm ci` there first');
    expect(unbuiltHasDist).toBe(false);
    expect(dependencies(join(work, 'unbuilt-app'))).toBeUndefined(); // nothing was saved
  });

  it('from a clone folder built with npm ci (the README route): npm links it; ESM and CommonJS both work', async () => {
    const dir = app(folderApp);
    expect(dependencies(dir)).toEqual({ rxkafka: 'file:../src' });
    const pkg = join(dir, 'node_modules/rxkafka');
    expect(lstatSync(pkg).isSymbolicLink()).toBe(true);
    expect(realpathSync(pkg)).toBe(realpathSync(src));
    await works(dir, realpathSync(src)); // node resolves a linked package to where it really is
  });
});

// Builds the package: ESM with declarations into dist/ (tsc), and CommonJS into dist/cjs/
// (esbuild, file by file, not bundled, so every subpath shares one copy of each class and
// `instanceof` holds across them). dist/cjs/ gets a package.json of "type": "commonjs", so
// Node loads its .js as CommonJS and TypeScript reads its .d.ts as CommonJS declarations.
// Run by `npm run build`, and by `prepare` on install from a clone or a git URL.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');
const require = createRequire(import.meta.url);

/** Every file under `dir` (recursively) whose name passes `keep`. */
function files(dir, keep) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name)); // parentPath from Node 20.12
}

/** Where a build tool is, or a one-line explanation and exit: `npm install <folder>` runs this without dev dependencies. */
function tool(request) {
  try {
    return require.resolve(request);
  } catch {
    console.error(`rxkafka build: ${request.split('/')[0]} is not installed in ${root}; run \`npm ci\` there first (or install the tarball \`npm pack\` makes)`);
    process.exit(1);
  }
}
const tscPath = tool('typescript/bin/tsc');
tool('esbuild');

rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [tscPath, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const { buildSync } = await import('esbuild');
buildSync({
  entryPoints: files(join(root, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')),
  outdir: cjs,
  outbase: join(root, 'src'),
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // createRequire(import.meta.url) is the one use: in CommonJS the file's own path does the same
  define: { 'import.meta.url': '__filename' },
  logLevel: 'warning',
});

const declarations = files(dist, (n) => n.endsWith('.d.ts')).filter((f) => !f.startsWith(cjs + '/'));
for (const from of declarations) {
  const to = join(cjs, relative(dist, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');

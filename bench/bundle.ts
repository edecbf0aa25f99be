/**
 * Bundling the benches' node children (bench/<name>.ts) into plain JavaScript, shared by the
 * produce and consume benches.
 */
import type { Plugin } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');
/**
 * The node clients run as plain JavaScript, as an application would ship them: bundled once
 * per bench run with esbuild (tsx's own transpiler) without tsx's keepNames helpers, which wrap
 * every closure creation in a defineProperty call and cost rxkafka ~5% of its CPU under tsx.
 * Pure-JavaScript packages are bundled too (rxjs from its ES module build, so it is tree-shaken:
 * node's own load of rxjs' CommonJS index costs ~70 ms of start-up); the native codec bindings
 * stay external, as does KafkaJS (CommonJS that requires node built-ins, which an ES module
 * bundle cannot; its runs are compared by the send→ack window, which start-up is not part of).
 * The bundles sit under node_modules/ so node resolves the external packages from there.
 */
const BUNDLE_DIR = join(REPO, 'node_modules', '.cache', 'rxkafka-bench');
const NATIVE_PACKAGES = ['lz4-napi', 'snappy', '@mongodb-js/zstd'];

/** The bundle of bench/<name>.ts. */
export const bundlePath = (name: string): string => join(BUNDLE_DIR, `${name}.mjs`);

/** rxjs' exports map gives node its CommonJS build; a bundle wants the ES module build. */
const rxjsEsm: Plugin = {
  name: 'rxjs-esm',
  setup(build) {
    build.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(REPO, 'node_modules', 'rxjs', 'dist', 'esm', 'index.js') }));
  },
};

/** Bundles bench/<name>.ts for each name, to bundlePath(name). */
export async function bundleClients(names: readonly string[]): Promise<void> {
  const esbuild = await import('esbuild');
  mkdirSync(BUNDLE_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: names.map((name) => join(import.meta.dirname, `${name}.ts`)),
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    external: [...NATIVE_PACKAGES, 'kafkajs'],
    plugins: [rxjsEsm],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // A separate map, read only by a profiled child (--enable-source-maps), so it costs the
    // measured runs nothing.
    sourcemap: true,
    logLevel: 'warning',
  });
}


/** Bundles bench/<name>.ts for each name, to bundlePath(name); null on success, else the error's first lines. */
export async function tryBundleClients(names: readonly string[]): Promise<string | null> {
  try {
    await bundleClients(names);
    return null;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' ');
  }
}

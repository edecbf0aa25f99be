import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..', '..');

/** Which native codec bindings a fresh process has loaded after running `script` (ESM, via tsx). */
function bindingsLoadedBy(script: string): string[] {
  const probe = `
    import { createRequire } from 'node:module';
    ${script}
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(['lz4-napi', 'snappy', '@mongodb-js/zstd'].filter((n) => loaded.some((k) => k.includes('/node_modules/' + n + '/')))));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
}

describe('native codec bindings', () => {
  it('are not loaded by importing the client', () => {
    expect(bindingsLoadedBy(`await import('./src/index.ts');`)).toEqual([]);
  });

  it('are loaded one by one, when their codec is first used', () => {
    const loaded = bindingsLoadedBy(`
      const { encodeRecordBatch } = await import('./src/protocol/index.ts');
      await encodeRecordBatch([{ value: Buffer.from('x') }], { now: Date.now(), compression: 'lz4' });
    `);
    expect(loaded).toEqual(['lz4-napi']);
  });
});

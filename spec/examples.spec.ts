import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Each example runs as its package.json script would, to completion, on its own MockCluster. */
describe('examples', () => {
  it('import only what a user can: rxkafka, rxkafka/testing and rxjs (and node: built-ins)', () => {
    const files = readdirSync('examples').filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const specifiers = [...readFileSync(`examples/${f}`, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
      expect(specifiers.length, f).toBeGreaterThan(0);
      for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(/^(rxkafka|rxkafka\/testing|rxjs|node:.+)$/);
    }
  });

  it('cluster-health shows a circuit opening on a downed broker and closing once it is back', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cluster-health.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/health: 1=closed 2=open 3=closed/);
    expect(run.stdout).toMatch(/while open: CircuitOpenError/);
    expect(run.stdout).toMatch(/circuit closed/);
  });
});

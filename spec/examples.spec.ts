import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Each example runs as its package.json script would, to completion, on its own MockCluster. */
describe('examples', () => {
  it('cluster-health shows a circuit opening on a downed broker and closing once it is back', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cluster-health.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/health: 1=closed 2=open 3=closed/);
    expect(run.stdout).toMatch(/while open: CircuitOpenError/);
    expect(run.stdout).toMatch(/circuit closed/);
  });
});

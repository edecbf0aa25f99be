import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm run demo` as a child process: 100,000 orders into a 3-broker MockCluster. */
describe('demo', () => {
  it('delivers 100000 orders with 0 failures, and the partition logs add up to 100000', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^delivered 100000 records in [\d.]+ s: \d+ records\/s/m);
    expect(run.stdout).toMatch(/^0 failures$/m);
    // Progress is shown while it runs (periodic lines, stdout is not a TTY here).
    expect(run.stdout).toMatch(/100\.0% {2}delivered 100000/);

    const rows = [...run.stdout.matchAll(/^ {2}orders\[(\d+)\]\s+(\d+)\s+(\d+)\s+(\d+)$/gm)];
    expect(rows.map((r) => Number(r[1]))).toEqual([0, 1, 2, 3, 4, 5]);
    const endOffsets = rows.map((r) => Number(r[3]));
    const counts = rows.map((r) => Number(r[4]));
    // Idempotent and without duplicates: each log's end offset equals the records it holds.
    expect(endOffsets).toEqual(counts);
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(run.stdout).toMatch(/^ {2}total\s+100000\s+100000$/m);
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (env: Record<string, string> = {}) => {
  const began = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { ...r, seconds: (performance.now() - began) / 1000 };
};
const num = (s: string) => Number(s.replace(/,/g, ''));

/**
 * `npm run demo` as a child process: 30,000 orders into a 3-broker MockCluster, enriched by a
 * group of three at least once (manual acks), one member leaving partway.
 */
describe('demo', () => {
  it('enriches every order exactly once, ends with lag 0 and the committed offsets at the log ends, in under 30 s', () => {
    const demo = run();
    expect(demo.status, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.seconds).toBeLessThan(30);
    const out = demo.stdout;

    // the group settles, then shows progress about once a second (not per record)
    expect(out).toMatch(/group enricher generation \d+: a orders\[\d,\d\] {2}b orders\[\d,\d\] {2}c orders\[\d,\d\]/);
    const progress = [...out.matchAll(/^ *[\d.]+ s {2}orders +([\d,]+) {2}enriched +([\d,]+) \(a [\d,]+, b [\d,]+, c [\d,]+\) {2}lag ([\d,]+)$/gm)];
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeLessThan(30);

    // a leaves partway; the rebalance is shown: a's partitions revoked, then assigned to b and c
    const lines = out.split('\n');
    const leaves = lines.findIndex((l) => /a leaves the group \(close\(\)\)/.test(l));
    expect(leaves).toBeGreaterThan(0);
    const revoked = lines.findIndex((l) => /\ba revoked +orders\[\d,\d\]/.test(l));
    expect(revoked).toBeGreaterThan(leaves);
    const moved = lines[revoked].match(/orders\[(\d),(\d)\]/)!.slice(1).map(Number);
    const assignedAfter = lines.slice(revoked).filter((l) => /\b[bc] assigned +orders\[[\d,]+\]/.test(l));
    const taken = assignedAfter.flatMap((l) => l.match(/orders\[([\d,]+)\]/)![1].split(',').map(Number));
    for (const p of moved) expect(taken).toContain(p);
    expect(out).toMatch(/lag 0 {2}a left {2}b orders\[[\d,]+\] {2}c orders\[[\d,]+\]/);

    // the summary: per partition, log end = committed, lag 0
    const rows = [...out.matchAll(/^ {2}orders\[(\d)\] +([\d,]+) +([\d,]+|none) +(\S+)$/gm)];
    expect(rows.map((r) => Number(r[1]))).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of rows) {
      expect(r[3], `orders[${r[1]}] committed`).toBe(r[2]);
      expect(r[4], `orders[${r[1]}] lag`).toBe('0');
    }
    expect(rows.reduce((sum, r) => sum + num(r[2]), 0)).toBe(30_000);
    expect(out).toMatch(/^ {2}orders-enriched holds 30,000 records: 30,000 distinct orders, 0 duplicated, 0 missing$/m);
    const members = out.match(/^ {2}members enriched: a ([\d,]+), b ([\d,]+), c ([\d,]+)$/m)!.slice(1).map(num);
    expect(members.every((count) => count > 0)).toBe(true);
    expect(members.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(out).toMatch(/^OK: every order enriched exactly once \(30,000\), lag 0, committed offsets = log ends$/m);
    expect(out).not.toMatch(/FAILED/);
  });

  it('exits 1 and names the check that failed (an enriched order written twice)', () => {
    const demo = run({ DEMO_FAULT: 'duplicate' });
    expect(demo.status, demo.stderr).toBe(1);
    expect(demo.stdout).toMatch(/^ {2}orders-enriched holds 30,001 records: 30,000 distinct orders, 1 duplicated, 0 missing$/m);
    expect(demo.stdout).toMatch(/^FAILED \(1\):\n {2}orders-enriched: 30,001 records for 30,000 orders \(1 duplicated, 0 missing\)$/m);
    expect(demo.stdout).not.toMatch(/^OK:/m);
  });
});

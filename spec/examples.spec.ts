import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const example = (file: string) => spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`], { encoding: 'utf8', timeout: 60_000 });

/** Each example runs as its package.json script would, to completion, on its own MockCluster. */
describe('examples', () => {
  it('each is behind a package.json script', () => {
    const scripts = Object.values((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts);
    for (const f of readdirSync('examples').filter((x) => x.endsWith('.ts'))) expect(scripts, f).toContain(`tsx examples/${f}`);
  });

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

  it('consumer: a group member reads with auto acks; close() commits, and the next member starts after them', () => {
    const run = example('consumer.ts');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^read 300 records \(per partition: \d+, \d+, \d+\)$/m);
    const perPartition = run.stdout.match(/per partition: (\d+), (\d+), (\d+)/)!.slice(1).map(Number);
    expect(perPartition.reduce((a, b) => a + b, 0)).toBe(300);
    expect(run.stdout).toMatch(/^closed: offsets committed, group left$/m);
    const late = run.stdout.match(/^a new member read 5 records, only the new ones: (.*)$/m);
    expect(late).not.toBeNull();
    expect(late![1].split(', ').sort()).toEqual([0, 1, 2, 3, 4].map((i) => `late hello #${i}`));
  });

  it('consumer-partitions: a stream per partition, in order; a revoked partition completes after its last batch, and its new owner goes on from there', () => {
    const run = example('consumer-partitions.ts');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const lines = run.stdout.split('\n');
    const joins = lines.indexOf('two joins the group');
    expect(joins).toBeGreaterThan(0);
    // every partition: its batches, whoever had it, cover offsets 0..324 once, in order
    for (let p = 0; p < 4; p++) {
      const batches = lines.flatMap((l) => {
        const m = l.match(new RegExp(`^(one|two): clicks\\[${p}\\] batch of (\\d+), offsets (\\d+)\\.\\.(\\d+)$`));
        return m ? [{ from: Number(m[3]), to: Number(m[4]), size: Number(m[2]) }] : [];
      });
      let next = 0;
      for (const b of batches) {
        expect(b.from, `clicks[${p}]`).toBe(next);
        expect(b.to - b.from + 1).toBe(b.size);
        next = b.to + 1;
      }
      expect(next, `clicks[${p}]`).toBe(325);
    }
    // the partitions two took: on one, a last (partial) batch, then the stream completes, then two is assigned them
    const moved = lines.flatMap((l) => l.match(/^two: clicks\[(\d)\] assigned/)?.[1] ?? []);
    expect(moved).toHaveLength(2);
    for (const p of moved) {
      const completed = lines.indexOf(`one: clicks[${p}] stream completed (revoked)`);
      expect(completed).toBeGreaterThan(joins);
      expect(lines[completed - 1]).toBe(`one: clicks[${p}] batch of 25, offsets 200..224`);
      expect(lines.indexOf(`two: clicks[${p}] assigned, its stream opens`)).toBeGreaterThan(completed);
    }
    expect(run.stdout).toMatch(/^1300 of 1300 clicks processed, each partition in order, none twice$/m);
  });

  it('consumer-manual-acks: jobs finish out of order; the committed offset is always the first job not done', () => {
    const run = example('consumer-manual-acks.ts');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const rows = [...run.stdout.matchAll(/^job +(\d+) done +committed offset: +(none|\d+)/gm)].map((m) => ({ job: Number(m[1]), committed: m[2] }));
    expect(rows.map((r) => r.job).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(rows.some((r, i) => r.job !== i)).toBe(true); // out of order
    const done = new Set<number>();
    for (const r of rows) {
      done.add(r.job);
      let first = 0;
      while (done.has(first)) first++;
      // commits move over the contiguous run only: to the first job not done (none before job 0 is)
      expect(r.committed, `after job ${r.job}`).toBe(first === 0 ? 'none' : String(first));
    }
    expect(run.stdout).toMatch(/^16 jobs done, \d+ of them out of order; the committed offset moved only over contiguous runs, to 16$/m);
  });
});

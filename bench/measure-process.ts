/**
 * Running a benchmark's client in a process of its own: timed, its first and last output noted,
 * its peak RSS followed. Shared by the produce and consume benches.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** How often a child's peak RSS is polled. */
const POLL_MS = 5;

/** VmHWM (peak resident set) of a live process, in KiB; undefined once it has gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface Measured {
  wallMs: number;
  /** Spawn to the first stdout bytes, if any came. */
  firstOutputMs: number | undefined;
  /** Spawn to the last stdout bytes. */
  lastOutputMs: number | undefined;
  polledRssKb: number;
  stdout: Buffer;
}

/**
 * Runs a program to exit, timing it, noting when its first output arrives, and following its
 * peak RSS by polling VmHWM (which only grows, so a poll misses at most the last few ms).
 */
export function measure(command: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL', ...(env ? { env } : {}) });
    let polledRssKb = 0;
    let firstOutputMs: number | undefined;
    let lastOutputMs: number | undefined;
    const poll = setInterval(() => {
      if (child.pid !== undefined) polledRssKb = Math.max(polledRssKb, peakRss(child.pid) ?? 0);
    }, POLL_MS);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      lastOutputMs = performance.now() - started;
      firstOutputMs ??= lastOutputMs;
      chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      if (code === 0) resolve({ wallMs, firstOutputMs, lastOutputMs, polledRssKb, stdout: Buffer.concat(chunks) });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}


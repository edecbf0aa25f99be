import { spawn, spawnSync } from 'node:child_process';

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: Buffer;
  /** Hard bound: the child is SIGKILLed when it runs longer than this. */
  readonly timeoutMs: number;
}

/**
 * Runs a program to completion and collects its output. Rejects on a non-zero
 * exit, on a signal (including the timeout kill) or when it cannot be started,
 * with the command line and stderr in the message so a failing test says why.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // spawn's own timeout kills the child; no timer of ours is involved.
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // A child that exits before reading all its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        resolve({ stdout: Buffer.concat(out), stderr });
        return;
      }
      const why = signal === null ? `exit code ${String(code)}` : `signal ${signal} (timeout ${options.timeoutMs} ms?)`;
      reject(new Error(`${command} ${args.join(' ')} failed: ${why}\n${stderr}`));
    });
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}

/**
 * True when `command args...` can be started and exits 0. Synchronous on
 * purpose: availability is decided while vitest collects suites.
 */
export function succeeds(command: string, args: readonly string[], input?: string): boolean {
  const result = spawnSync(command, args, { input, stdio: ['pipe', 'ignore', 'ignore'], timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

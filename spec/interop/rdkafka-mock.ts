import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { run } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'rdkafka-mock.c');
const buildDir = join(here, '..', '..', '.interop');

/** Bound on starting the mock and on each command round trip. */
const COMMAND_TIMEOUT_MS = 30_000;
/** How long stop() waits for a clean exit before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

export interface RdkafkaMockTopic {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to min(brokers, 3). */
  readonly replicationFactor?: number;
}

export interface RdkafkaMockOptions {
  readonly brokers: number;
  readonly topics?: readonly RdkafkaMockTopic[];
  /** Variables added to the mock process's environment (benches: LD_LIBRARY_PATH, LD_PRELOAD). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A librdkafka mock cluster in a child process. Broker ids are 1..brokers. */
export interface RdkafkaMock {
  /** host:port of every broker, in broker-id order. */
  readonly bootstrap: readonly string[];
  createTopic(name: string, partitions: number, replicationFactor: number): Promise<void>;
  /** Drops the broker's connections and refuses new ones; leadership does not move. */
  setBrokerDown(brokerId: number): Promise<void>;
  setBrokerUp(brokerId: number): Promise<void>;
  /** brokerId -1 makes the partition leaderless. */
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /**
   * The next codes.length requests with this API key, to any broker, fail with
   * these codes in order. librdkafka's -195 (__TRANSPORT) disconnects instead.
   */
  pushErrors(apiKey: number, codes: readonly number[]): Promise<void>;
  clearErrors(apiKey: number): Promise<void>;
  /** Delays every response of the broker (-1: all brokers). */
  setRtt(brokerId: number, ms: number): Promise<void>;
  /** Narrows the advertised version range of an API (-1, -1 disables it). */
  setApiVersion(apiKey: number, min: number, max: number): Promise<void>;
  setCoordinator(keyType: 'group' | 'transaction', key: string, brokerId: number): Promise<void>;
  stop(): Promise<void>;
}

let compiled: Promise<string> | undefined;

/** Compiles rdkafka-mock.c once per source version into <repo>/.interop/. */
function compileMock(): Promise<string> {
  compiled ??= (async () => {
    const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
    const binary = join(buildDir, `rdkafka-mock-${hash}`);
    if (existsSync(binary)) return binary;
    mkdirSync(buildDir, { recursive: true });
    // Test files run in parallel processes: build under a private name, then
    // rename, which is atomic, so nobody ever executes a half-written binary.
    const partial = `${binary}.${process.pid}.tmp`;
    await run('gcc', ['-O2', '-o', partial, source, '-lrdkafka'], { timeoutMs: 120_000 });
    renameSync(partial, binary);
    return binary;
  })();
  return compiled;
}

/** Rejects when `promise` has not settled within ms. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`${what}: no answer within ${ms} ms`));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** A command argument must be one token of the line protocol. */
function token(value: string | number, what: string): string {
  const text = String(value);
  if (text.length === 0 || /\s/.test(text)) throw new Error(`rdkafka mock: ${what} must be non-empty without whitespace: ${JSON.stringify(text)}`);
  return text;
}

function int(value: number, what: string): string {
  if (!Number.isInteger(value)) throw new Error(`rdkafka mock: ${what} must be an integer, got ${value}`);
  return String(value);
}

export async function startRdkafkaMock(options: RdkafkaMockOptions): Promise<RdkafkaMock> {
  const binary = await compileMock();
  const child = spawn(binary, [int(options.brokers, 'brokers')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const mock = new MockProcess(child);
  try {
    await mock.ready;
    const rf = Math.min(options.brokers, 3);
    for (const topic of options.topics ?? []) {
      await mock.createTopic(topic.name, topic.partitions, topic.replicationFactor ?? rf);
    }
  } catch (error) {
    await mock.stop();
    throw error;
  }
  return mock;
}

interface Pending {
  readonly command: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

class MockProcess implements RdkafkaMock {
  bootstrap: readonly string[] = [];
  readonly ready: Promise<void>;
  private readonly pending: Pending[] = [];
  private stderr = '';
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep the tail only: librdkafka can be chatty when a test misbehaves.
      this.stderr = (this.stderr + chunk).slice(-8192);
    });
    child.stdin.on('error', () => undefined);
    const lines = createInterface({ input: child.stdout });

    let onReady!: () => void;
    let onReadyFailed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onReadyFailed = reject;
    });
    this.ready = bounded(ready, COMMAND_TIMEOUT_MS, 'rdkafka mock start');

    lines.on('line', (line) => {
      if (this.bootstrap.length === 0) {
        const match = /^BOOTSTRAP (\S+)$/.exec(line);
        if (match === null) {
          onReadyFailed(new Error(`rdkafka mock: unexpected first line ${JSON.stringify(line)}`));
          return;
        }
        this.bootstrap = match[1].split(',');
        onReady();
        return;
      }
      const waiter = this.pending.shift();
      if (waiter === undefined) return;
      if (line === 'OK') waiter.resolve();
      else waiter.reject(new Error(`rdkafka mock: ${waiter.command}: ${line.replace(/^ERR /, '')}`));
    });

    this.exit = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        onReadyFailed(error);
        this.failPending(error.message);
        this.exited = true;
        resolve();
      });
      child.on('close', (code, signal) => {
        this.exited = true;
        const why = `exited (code ${String(code)}, signal ${String(signal)}) ${this.stderr}`;
        onReadyFailed(new Error(`rdkafka mock ${why}`));
        this.failPending(why);
        resolve();
      });
    });
  }

  private failPending(why: string): void {
    for (const waiter of this.pending.splice(0)) waiter.reject(new Error(`rdkafka mock: ${waiter.command}: ${why}`));
  }

  private send(...args: string[]): Promise<void> {
    const command = args.join(' ');
    if (this.exited) return Promise.reject(new Error(`rdkafka mock: ${command}: process has exited`));
    const answered = new Promise<void>((resolve, reject) => {
      this.pending.push({ command, resolve, reject });
    });
    this.child.stdin.write(`${command}\n`);
    return bounded(answered, COMMAND_TIMEOUT_MS, `rdkafka mock: ${command}`);
  }

  async createTopic(name: string, partitions: number, replicationFactor: number): Promise<void> {
    await this.send('topic', token(name, 'topic'), int(partitions, 'partitions'), int(replicationFactor, 'replication factor'));
  }

  async setBrokerDown(brokerId: number): Promise<void> {
    await this.send('down', int(brokerId, 'broker id'));
  }

  async setBrokerUp(brokerId: number): Promise<void> {
    await this.send('up', int(brokerId, 'broker id'));
  }

  async setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.send('leader', token(topic, 'topic'), int(partition, 'partition'), int(brokerId, 'broker id'));
  }

  async pushErrors(apiKey: number, codes: readonly number[]): Promise<void> {
    if (codes.length === 0) return;
    await this.send('errors', int(apiKey, 'api key'), ...codes.map((code) => int(code, 'error code')));
  }

  async clearErrors(apiKey: number): Promise<void> {
    await this.send('clearerrors', int(apiKey, 'api key'));
  }

  async setRtt(brokerId: number, ms: number): Promise<void> {
    await this.send('rtt', int(brokerId, 'broker id'), int(ms, 'rtt'));
  }

  async setApiVersion(apiKey: number, min: number, max: number): Promise<void> {
    await this.send('apiversion', int(apiKey, 'api key'), int(min, 'min version'), int(max, 'max version'));
  }

  async setCoordinator(keyType: 'group' | 'transaction', key: string, brokerId: number): Promise<void> {
    await this.send('coordinator', keyType, token(key, 'coordinator key'), int(brokerId, 'broker id'));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    // Closing stdin is the mock's shutdown signal; SIGKILL only if it hangs.
    this.child.stdin.end();
    try {
      await bounded(this.exit, STOP_TIMEOUT_MS, 'rdkafka mock stop');
    } catch {
      this.child.kill('SIGKILL');
      await this.exit;
    }
  }
}

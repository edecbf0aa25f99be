/**
 * What the consumer bench's node children share (bench/consume-rxkafka-child.ts,
 * bench/consume-kafkajs-child.ts): their arguments, the tally that proves a run read exactly
 * the preloaded records, and the one JSON line each prints on stdout.
 *
 *   node <bundle> --bootstrap=h:p --topic=t --partitions=N --records=N --codec=none|lz4
 *        [--mode=records-group|records-assign|batches-group|batches-assign] [--deadline-ms=60000] [--idle-ms=10000]
 *
 * No timing here is ever part of a test: this is bench code only.
 */
import { performance } from 'node:perf_hooks';

/** Bound on closing the consumer and client after the run. */
const CLOSE_TIMEOUT_MS = 15_000;
/** How long the process may stay alive after printing its result. */
const EXIT_GRACE_MS = 5_000;
/** How often the child looks for a stall. */
const IDLE_TICK_MS = 500;

export type RxMode = 'records-group' | 'records-assign' | 'batches-group' | 'batches-assign';
export const RX_MODES: readonly RxMode[] = ['records-group', 'records-assign', 'batches-group', 'batches-assign'];

export interface ChildArgs {
  bootstrap: string[];
  topic: string;
  partitions: number;
  /** Records preloaded on the topic (all partitions): the run ends when this many have arrived. */
  records: number;
  codec: 'none' | 'lz4';
  mode: RxMode;
  /** The child gives up (and reports what it saw) after this long. */
  deadlineMs: number;
  /** ...or once records stop arriving for this long after the first one. */
  idleMs: number;
}

/** What one partition delivered. Offsets are numbers (< 2^53 here). */
export interface PartitionTally {
  partition: number;
  count: number;
  first: number | null;
  last: number | null;
  /** Every offset was above the one before it on this partition (no duplicate, no going back). */
  ordered: boolean;
}

export interface ConsumeResult {
  /** false: the client has no consumer to measure (the rxkafka consumer is not built yet). */
  available: boolean;
  /** Why not available, or why the run ended early. */
  reason?: string;
  /** The expected number of records arrived before the deadline and without an error. */
  complete: boolean;
  count: number;
  /** Records on a partition the topic does not have. */
  stray: number;
  partitions: PartitionTally[];
  /** Process start (node, modules) to the consumer's start (subscribe / run). */
  readyMs: number;
  /** Consumer start to the first record: connect, metadata, group join, first fetch. */
  firstMs: number | null;
  /** First record to last record. */
  windowMs: number | null;
  /** Consumer start to last record. */
  totalMs: number | null;
  /** Last record to the consumer and client being closed. */
  closeMs: number | null;
  /** CPU time of the whole process (every thread), from its start to the end of close. */
  cpuMs: number;
  /** process.resourceUsage().maxRSS, KiB. */
  maxRssKb: number;
}

export function parseChildArgs(argv: string[]): ChildArgs {
  const opt = (name: string, fallback?: string): string => {
    const hit = argv.find((a) => a.startsWith(`--${name}=`));
    const value = hit?.slice(name.length + 3) ?? fallback;
    if (value === undefined) throw new Error(`consume child: --${name}= is required`);
    return value;
  };
  const codec = opt('codec', 'none');
  if (codec !== 'none' && codec !== 'lz4') throw new Error(`consume child: codec ${codec}`);
  const mode = opt('mode', 'records-group') as RxMode;
  if (!RX_MODES.includes(mode)) throw new Error(`consume child: mode ${mode}`);
  return {
    bootstrap: opt('bootstrap').split(','),
    topic: opt('topic'),
    partitions: Number(opt('partitions')),
    records: Number(opt('records')),
    codec,
    mode,
    deadlineMs: Number(opt('deadline-ms', '60000')),
    idleMs: Number(opt('idle-ms', '10000')),
  };
}

/**
 * Counts records per partition, keeps first and last offsets and whether offsets only went
 * up, and notes the time of the first and of the expected last record. `done` resolves when
 * `records` have arrived.
 */
export class Tally {
  count = 0;
  stray = 0;
  startedAt = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;
  private readonly counts: number[];
  private readonly firsts: number[];
  private readonly lasts: number[];
  private readonly ordered: boolean[];
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(private readonly args: ChildArgs) {
    this.counts = new Array<number>(args.partitions).fill(0);
    this.firsts = new Array<number>(args.partitions).fill(-1);
    this.lasts = new Array<number>(args.partitions).fill(-1);
    this.ordered = new Array<boolean>(args.partitions).fill(true);
  }

  /** Call right before the consumer starts (subscribe / run). */
  start(): void {
    this.startedAt = performance.now();
  }

  add(partition: number, offset: number): void {
    if (this.count === 0) this.firstAt = performance.now();
    if (partition < 0 || partition >= this.args.partitions) {
      this.stray++;
    } else {
      if (this.counts[partition]++ === 0) this.firsts[partition] = offset;
      else if (offset <= this.lasts[partition]) this.ordered[partition] = false;
      this.lasts[partition] = offset;
    }
    if (++this.count === this.args.records) {
      this.lastAt = performance.now();
      this.resolveDone();
    }
  }

  result(extra: { available: boolean; reason?: string; closedAt?: number }): ConsumeResult {
    const cpu = process.cpuUsage();
    const complete = extra.reason === undefined && this.count === this.args.records && this.lastAt !== undefined;
    const since = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? null : to - from);
    return {
      available: extra.available,
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
      complete,
      count: this.count,
      stray: this.stray,
      partitions: this.counts.map((count, partition) => ({
        partition,
        count,
        first: count === 0 ? null : this.firsts[partition],
        last: count === 0 ? null : this.lasts[partition],
        ordered: this.ordered[partition],
      })),
      readyMs: this.startedAt,
      firstMs: since(this.startedAt, this.firstAt),
      windowMs: since(this.firstAt, this.lastAt),
      totalMs: since(this.startedAt, this.lastAt),
      closeMs: since(this.lastAt, extra.closedAt),
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
    };
  }
}

/**
 * Runs the consumer until the tally is done, the consumer fails, or the deadline passes;
 * then closes it and prints the result line. A failure is reported in the result (the parent
 * prints it as a failed row), not thrown.
 */
export async function runChild(
  args: ChildArgs,
  tally: Tally,
  /** Starts consuming; the promise it returns rejects if the consumer fails. */
  start: () => Promise<never>,
  /** Stops consuming and closes everything start() (or the child) opened. */
  close: () => Promise<void>,
): Promise<void> {
  let reason: string | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let idle: ReturnType<typeof setInterval> | undefined;
  try {
    tally.start();
    const failed = start();
    const timedOut = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`deadline: ${tally.count} of ${args.records} records after ${args.deadlineMs} ms`)), args.deadlineMs);
      // A stall (say, a record never delivered) ends the run early. Checked by count, so the
      // per-record path reads no clock.
      let seen = 0;
      let quietTicks = 0;
      idle = setInterval(() => {
        quietTicks = tally.count > 0 && tally.count === seen ? quietTicks + 1 : 0;
        seen = tally.count;
        if (quietTicks * IDLE_TICK_MS >= args.idleMs) reject(new Error(`stalled: ${tally.count} of ${args.records} records, none for ${args.idleMs} ms`));
      }, IDLE_TICK_MS);
    });
    await Promise.race([tally.done, failed, timedOut]);
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(deadline);
    clearInterval(idle);
  }
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      close(),
      new Promise<never>((_, reject) => {
        closeTimer = setTimeout(() => reject(new Error(`did not finish within ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    reason ??= `close: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(closeTimer);
  }
  const result = tally.result({ available: true, ...(reason === undefined ? {} : { reason }), closedAt: performance.now() });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // A client that leaves a socket or timer behind would keep the process (and its wall time)
  // going: say so, and end it.
  setTimeout(() => {
    process.stderr.write(`consume child: still running ${EXIT_GRACE_MS} ms after close; exiting\n`);
    process.exit(0);
  }, EXIT_GRACE_MS).unref();
}

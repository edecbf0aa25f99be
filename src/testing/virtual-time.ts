import { VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { KafkaError } from '../errors.js';
import { codecsIdle } from '../protocol/compression/index.js';

export interface VirtualTimeOptions {
  /**
   * Event-loop turns to wait, with no timer due, for outside work before `run()` gives up as
   * stuck. Codec calls on the thread pool are not counted: they are waited for (see run()).
   * Default 100000.
   */
  idleTurns?: number;
}

/**
 * Virtual time for whole-client tests: hand `scheduler` to `MockCluster.start` (on the memory
 * network) and to `createClient`, then `await time.run(work)`. Time moves only once every
 * pending promise callback has run, so code that awaits between timers (a producer's send()
 * waiting on metadata, then on linger, then on an answer delayed by latency) sees each timer
 * fire at its exact virtual time, in order, and a 30 s timeout takes no wall time at all.
 */
export interface VirtualTime {
  readonly scheduler: SchedulerLike;
  /** The virtual time, in ms since the start. */
  now(): number;
  /** Lets pending promise callbacks (and bytes on the memory network) run; time stands still. */
  settle(): Promise<void>;
  /** Moves time forward by `ms`, firing each timer at its own time, settling between them. */
  advance(ms: number): Promise<void>;
  /**
   * Settles `work` (a promise, or a function making one), moving time from timer to timer as
   * needed, each once no codec call is under way. Rejects if that would take more than
   * `limitMs` of virtual time (default 1 hour).
   */
  run<T>(work: Promise<T> | (() => Promise<T>), limitMs?: number): Promise<T>;
}

/** One macrotask turn: every microtask queued before it has run by then. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function virtualTime(options: VirtualTimeOptions = {}): VirtualTime {
  const idleTurns = options.idleTurns ?? 100_000;
  const scheduler = new VirtualTimeScheduler();

  const nextDue = (): number | undefined => scheduler.actions[0]?.delay;

  /** Fires every timer due at `at` (and those they schedule for the same time). */
  const fireAt = (at: number): void => {
    scheduler.maxFrames = at;
    scheduler.flush();
    scheduler.frame = at;
  };

  const settle = async (): Promise<void> => {
    await turn();
  };

  /**
   * Settles, and first waits out any codec call under way: its work takes real time on the
   * thread pool, and a timer fired meanwhile would see virtual time run past it.
   */
  const settleBeforeTimer = async (): Promise<boolean> => {
    let waited = false;
    for (let idle = codecsIdle(); idle !== null; idle = codecsIdle()) {
      waited = true;
      await idle;
      await turn();
    }
    return waited;
  };

  const advance = async (ms: number): Promise<void> => {
    const target = scheduler.frame + ms;
    await settle();
    await settleBeforeTimer();
    for (let due = nextDue(); due !== undefined && due <= target; due = nextDue()) {
      fireAt(Math.max(due, scheduler.frame));
      await settle();
      await settleBeforeTimer();
    }
    scheduler.frame = target;
  };

  const run = async <T>(work: Promise<T> | (() => Promise<T>), limitMs = 3_600_000): Promise<T> => {
    const limit = scheduler.frame + limitMs;
    type Outcome = { ok: true; value: T } | { ok: false; error: unknown };
    const box: { outcome: Outcome | null } = { outcome: null };
    (typeof work === 'function' ? work() : work).then(
      (value) => (box.outcome = { ok: true, value }),
      (error: unknown) => (box.outcome = { ok: false, error }),
    );
    let idle = 0;
    for (;;) {
      await settle();
      const done = box.outcome;
      if (done !== null) {
        if (done.ok) return done.value;
        throw done.error;
      }
      // what codec work finished may have settled the work, or scheduled sooner timers
      if (await settleBeforeTimer()) continue;
      const due = nextDue();
      if (due === undefined) {
        if (++idle > idleTurns) throw new KafkaError(`virtualTime.run: stuck at ${scheduler.frame} ms: nothing scheduled and the work did not settle`);
        continue;
      }
      idle = 0;
      if (due > limit) throw new KafkaError(`virtualTime.run: not settled within ${limitMs} ms of virtual time`);
      fireAt(Math.max(due, scheduler.frame));
    }
  };

  return { scheduler, now: () => scheduler.now(), settle, advance, run };
}

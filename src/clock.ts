import { asyncScheduler, type SchedulerLike } from 'rxjs';

/**
 * The one place that reads time. Everything time-dependent takes a SchedulerLike and asks it,
 * so TestScheduler drives the whole client in virtual time.
 */
export const defaultScheduler: SchedulerLike = asyncScheduler;

/** How many calls one reading of the real-time clock serves, at most. */
const CALLS_PER_READING = 256;

/**
 * The scheduler's time for paths that ask once per record (the Observer side, produce()): on
 * the real-time scheduler one reading serves a run of calls, at most CALLS_PER_READING of
 * them and never past the end of the current synchronous run (a microtask ends it), so a
 * record's time is at most a few hundred records stale (microseconds; Kafka timestamps are
 * milliseconds) where Date.now() per record would cost ~40 ns each. Any other scheduler
 * (TestScheduler's virtual time) is asked every time.
 */
export function burstClock(scheduler: SchedulerLike = defaultScheduler): () => number {
  if (scheduler !== asyncScheduler) return () => scheduler.now();
  let reading = 0;
  let calls = 0;
  let expiring = false;
  const expire = (): void => {
    calls = 0;
    expiring = false;
  };
  return () => {
    if (calls === 0) {
      reading = scheduler.now();
      if (!expiring) {
        expiring = true;
        queueMicrotask(expire);
      }
    }
    if (++calls === CALLS_PER_READING) calls = 0;
    return reading;
  };
}

/**
 * Runs `work` once the current synchronous run of code is over: in a microtask on the
 * real-time scheduler, as the next action on any other (virtual time, where microtasks do not
 * mark the passing of time).
 */
export function atEndOfRun(scheduler: SchedulerLike, work: () => void): void {
  if (scheduler === asyncScheduler) queueMicrotask(work);
  else scheduler.schedule(work);
}

import { asyncScheduler, type SchedulerLike } from 'rxjs';

/**
 * The one place that reads time. Everything time-dependent takes a SchedulerLike and asks it,
 * so TestScheduler drives the whole client in virtual time.
 */
export const defaultScheduler: SchedulerLike = asyncScheduler;

export function now(scheduler: SchedulerLike = defaultScheduler): number {
  return scheduler.now();
}

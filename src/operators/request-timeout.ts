import { throwError, timeout, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { KafkaConfigError, KafkaError } from '../errors.js';

/** No answer within the allowed time. Retriable: the next attempt may be answered in time. */
export class OperationTimeoutError extends KafkaError {
  override readonly name = 'OperationTimeoutError' as const;
  readonly timeoutMs: number;

  constructor(timeoutMs: number, what = 'operation') {
    super(`${what} timed out after ${timeoutMs} ms`, { retriable: true });
    this.timeoutMs = timeoutMs;
  }
}

export interface RequestTimeoutOptions {
  scheduler?: SchedulerLike;
  /** The error to raise on timeout. Default: an OperationTimeoutError. */
  makeError?: (timeoutMs: number) => unknown;
}

/**
 * Errors if the source has not produced its first value within timeoutMs of subscription,
 * and unsubscribes from it (cancelling a cold request). Later values are not timed: a request
 * is one answer, and streams that need per-value deadlines should use rxjs `timeout` directly.
 */
export function requestTimeout<T>(
  timeoutMs: number,
  options: RequestTimeoutOptions = {},
): MonoTypeOperatorFunction<T> {
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
    throw new KafkaConfigError('timeoutMs', 'must be a finite number >= 0');
  }
  const makeError = options.makeError ?? ((ms: number) => new OperationTimeoutError(ms));
  const scheduler = options.scheduler ?? defaultScheduler;
  return (source) =>
    source.pipe(
      timeout({ first: timeoutMs, scheduler, with: () => throwError(() => makeError(timeoutMs)) }),
    );
}

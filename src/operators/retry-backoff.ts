import { retry, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { KafkaConfigError } from '../errors.js';
import { isRetriableError } from './retriable.js';

/** The delay schedule, separable from the operator so callers can preview or log it. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 100. */
  initialDelayMs?: number;
  /** Hard upper bound of any delay, jitter included, in ms. Default 30000. */
  maxDelayMs?: number;
  /** Growth factor between consecutive retries. Default 2. */
  multiplier?: number;
  /**
   * Spread as a fraction of the delay, 0..1. Default 0.2: the delay is drawn uniformly from
   * [d·(1−jitter), d·(1+jitter)], then capped at maxDelayMs.
   */
  jitter?: number;
}

export interface RetryInfo {
  error: unknown;
  /** 1-based number of the retry about to be made. */
  attempt: number;
  delayMs: number;
}

export interface RetryBackoffOptions extends BackoffOptions {
  /** Retries after the first failure; after that many the last error is rethrown. Default 5. */
  maxRetries?: number;
  /**
   * Whether to retry `error` as retry number `attempt` (1-based). Default: isRetriableError
   * (KafkaError with retriable true, or any error object carrying `retriable: true`).
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Reset the attempt count whenever the source emits a value. Default false. */
  resetOnSuccess?: boolean;
  /** Called once per retry, before the wait begins (for stats and logs). */
  onRetry?: (info: RetryInfo) => void;
  scheduler?: SchedulerLike;
  /** Source of uniform [0, 1) numbers for jitter. Default Math.random. */
  random?: () => number;
}

const DEFAULTS = {
  maxRetries: 5,
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
} as const;

/**
 * The delay before retry number `attempt` (1-based), in whole ms:
 * min(maxDelayMs, round(min(initial·multiplier^(attempt−1), maxDelayMs) · (1 − jitter + 2·jitter·random()))).
 *
 * Jitter is proportional ("±jitter") rather than full jitter: the expected delay stays at the
 * nominal exponential value, which keeps retry budgets predictable, while still spreading
 * clients that failed together. The final cap makes maxDelayMs a true bound; at the cap
 * the spread is one-sided, which is acceptable since such retries are already far apart.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? DEFAULTS.initialDelayMs;
  const max = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const multiplier = options.multiplier ?? DEFAULTS.multiplier;
  const jitter = options.jitter ?? DEFAULTS.jitter;
  const nominal = Math.min(initial * multiplier ** Math.max(0, attempt - 1), max);
  const spread = jitter === 0 ? 1 : 1 - jitter + 2 * jitter * random();
  return Math.min(max, Math.round(nominal * spread));
}

function validate(options: RetryBackoffOptions): void {
  const { maxRetries, initialDelayMs, maxDelayMs, multiplier, jitter } = options;
  if (maxRetries !== undefined && !(maxRetries >= 0 && (Number.isInteger(maxRetries) || maxRetries === Infinity))) {
    throw new KafkaConfigError('maxRetries', 'must be a non-negative integer or Infinity');
  }
  if (initialDelayMs !== undefined && !(initialDelayMs >= 0 && Number.isFinite(initialDelayMs))) {
    throw new KafkaConfigError('initialDelayMs', 'must be a finite number >= 0');
  }
  if (maxDelayMs !== undefined && !(maxDelayMs >= 0 && Number.isFinite(maxDelayMs))) {
    throw new KafkaConfigError('maxDelayMs', 'must be a finite number >= 0');
  }
  if (multiplier !== undefined && !(multiplier >= 1 && Number.isFinite(multiplier))) {
    throw new KafkaConfigError('multiplier', 'must be a finite number >= 1');
  }
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1)) {
    throw new KafkaConfigError('jitter', 'must be between 0 and 1');
  }
}

/**
 * Re-subscribes to the source after an exponentially growing, capped, jittered delay when it
 * errors with a retriable error. Non-retriable errors, and the error that exhausts
 * maxRetries, reach the subscriber unchanged. Unsubscribing during a wait cancels it.
 *
 * Invalid options throw KafkaConfigError when the operator is created.
 */
export function retryBackoff<T>(options: RetryBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  validate(options);
  const scheduler = options.scheduler ?? defaultScheduler;
  const random = options.random ?? Math.random;
  const shouldRetry = options.shouldRetry ?? isRetriableError;
  const { onRetry } = options;
  return retry<T>({
    count: options.maxRetries ?? DEFAULTS.maxRetries,
    resetOnSuccess: options.resetOnSuccess ?? false,
    delay: (error: unknown, attempt: number) => {
      // rxjs forwards whatever the delay function throws: rethrowing keeps the error as-is.
      if (!shouldRetry(error, attempt)) throw error;
      const delayMs = backoffDelay(attempt, options, random);
      onRetry?.({ error, attempt, delayMs });
      return timer(delayMs, scheduler);
    },
  });
}

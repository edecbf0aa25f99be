import {
  BehaviorSubject,
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { KafkaConfigError, KafkaError } from '../errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Raised, without touching the target, while its breaker is open or its one probe is out. Its
 * `cause` is the failure that opened the circuit (the last of the run that reached the threshold).
 */
export class CircuitOpenError extends KafkaError {
  override readonly name = 'CircuitOpenError' as const;
  readonly target: string;

  constructor(target: string, cause?: unknown) {
    const why = cause instanceof Error ? `, opened by: ${cause.message}` : '';
    // Retriable: the breaker will let traffic through again after its recovery time.
    super(`circuit open for ${target}${why}`, { retriable: true, cause });
    this.target = target;
  }
}

export interface CircuitBreakerOptions {
  /** What is guarded (e.g. "broker 1 host:9092"); named in CircuitOpenError. */
  target: string;
  /**
   * Consecutive failures, while closed, that open the circuit. Default 5. A failure of a call
   * that began before the last failure counted is the same incident seen again (a connection
   * breaking fails every call on it at once) and is not counted.
   */
  failureThreshold?: number;
  /** Time the circuit stays open before admitting a probe, in ms. Default 30000. */
  recoveryTimeoutMs?: number;
  scheduler?: SchedulerLike;
  /**
   * Whether an error counts against the target. Default: every error. An error for which this
   * returns false proves the target answered, so it counts as a success (e.g. a broker error
   * code about one topic says nothing bad about the broker).
   */
  isFailure?: (error: unknown) => boolean;
}

export interface CircuitBreaker {
  readonly target: string;
  /** Current state, replayed on subscribe; emits only on change; completes on dispose. */
  readonly state$: Observable<CircuitState>;
  readonly state: CircuitState;
  /** Failures counted since the last success while closed. */
  readonly consecutiveFailures: number;
  /**
   * Guards a cold source. Closed: subscribes and records the outcome. Open: errors with
   * CircuitOpenError without subscribing. Half-open: admits exactly one probe subscription;
   * the others fail fast.
   *
   * Outcome of one subscription: the first of (first value, completion) is a success, an
   * error before either is a failure (unless isFailure says otherwise); later events of the
   * same subscription are not recorded again. Unsubscribing before any outcome records
   * nothing, and if that subscription was the probe, frees the probe slot (the circuit stays
   * half-open and the next subscription becomes the probe).
   */
  protect<T>(): MonoTypeOperatorFunction<T>;
  /** Records a success observed out of band. */
  recordSuccess(): void;
  /** Records a failure observed out of band (subject to isFailure). */
  recordFailure(error: unknown): void;
  /**
   * Cancels the recovery timer and completes state$. A disposed breaker records nothing and
   * makes no transitions; protect() then passes subscriptions straight through, so requests
   * still in flight during teardown are not failed by it.
   */
  dispose(): void;
}

function validate(options: CircuitBreakerOptions): void {
  const { failureThreshold, recoveryTimeoutMs } = options;
  if (typeof options.target !== 'string' || options.target === '') {
    throw new KafkaConfigError('target', 'must be a non-empty string');
  }
  if (failureThreshold !== undefined && !(Number.isInteger(failureThreshold) && failureThreshold >= 1)) {
    throw new KafkaConfigError('failureThreshold', 'must be an integer >= 1');
  }
  if (recoveryTimeoutMs !== undefined && !(recoveryTimeoutMs >= 0 && Number.isFinite(recoveryTimeoutMs))) {
    throw new KafkaConfigError('recoveryTimeoutMs', 'must be a finite number >= 0');
  }
}

/**
 * One breaker per target, shared by every request to it.
 *
 * Transitions: closed --failureThreshold consecutive failures--> open --recoveryTimeoutMs-->
 * half-open --probe success--> closed; half-open --probe failure--> open (timer restarts).
 * Outcomes recorded while open are ignored: they belong to requests admitted earlier and the
 * recovery timer alone decides when to try again. In half-open, any recorded outcome (probe
 * or a request admitted while closed) decides the next state.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  validate(options);
  const { target } = options;
  const threshold = options.failureThreshold ?? 5;
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 30_000;
  const scheduler = options.scheduler ?? defaultScheduler;
  const isFailure = options.isFailure ?? (() => true);

  const stateSubject = new BehaviorSubject<CircuitState>('closed');
  let failures = 0;
  /** Counted failures so far: a call that began at an older count brings no news when it fails. */
  let incidents = 0;
  /** The failure that opened the circuit, for CircuitOpenError's cause. */
  let openedBy: unknown;
  let recoveryTimer: Subscription | undefined;
  // Identity of the subscription holding the half-open probe slot, if any.
  let probe: object | undefined;
  let disposed = false;

  const transition = (next: CircuitState): void => {
    probe = undefined;
    recoveryTimer?.unsubscribe();
    recoveryTimer = undefined;
    if (next === 'open') {
      recoveryTimer = scheduler.schedule(() => {
        recoveryTimer = undefined;
        transition('half-open');
      }, recoveryTimeoutMs);
    }
    if (next === 'closed') {
      failures = 0;
      openedBy = undefined; // not kept alive past the open state
    }
    if (stateSubject.value !== next) stateSubject.next(next);
  };

  const onSuccess = (): void => {
    if (disposed) return;
    const state = stateSubject.value;
    if (state === 'closed') failures = 0;
    else if (state === 'half-open') transition('closed');
  };

  const onFailure = (error: unknown): void => {
    if (disposed) return;
    incidents++;
    const state = stateSubject.value;
    if (state === 'closed') {
      failures += 1;
      if (failures < threshold) return;
    } else if (state !== 'half-open') {
      return;
    }
    openedBy = error;
    transition('open');
  };

  /** `since`: the incident count when the call began (undefined: observed out of band). */
  const record = (error: unknown, since?: number): void => {
    if (!isFailure(error)) onSuccess();
    else if (since === undefined || since === incidents) onFailure(error);
  };

  const protect = <T>(): MonoTypeOperatorFunction<T> => (source) =>
    new Observable<T>((subscriber) => {
      if (disposed) return source.subscribe(subscriber);
      const state = stateSubject.value;
      const token = {};
      const since = incidents;
      if (state === 'open' || (state === 'half-open' && probe !== undefined)) {
        subscriber.error(new CircuitOpenError(target, openedBy));
        return undefined;
      }
      if (state === 'half-open') probe = token;

      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        if (probe === token) probe = undefined;
        return true;
      };
      // Outcomes are recorded before they are forwarded, so a subscriber reacting to them
      // synchronously (a retry re-subscribing on error) already sees the new state.
      const inner = source.subscribe({
        next: (value) => {
          if (settle()) onSuccess();
          subscriber.next(value);
        },
        error: (error: unknown) => {
          if (settle()) {
            try {
              record(error, since);
            } catch (predicateError: unknown) {
              // A throwing isFailure is a bug worth surfacing; count the outcome as a failure.
              onFailure(error);
              subscriber.error(predicateError);
              return;
            }
          }
          subscriber.error(error);
        },
        complete: () => {
          if (settle()) onSuccess();
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        // Abandoned before any outcome: no evidence either way, so free the probe slot.
        if (!settled) settle();
      };
    });

  return {
    target,
    state$: stateSubject.asObservable(),
    get state() {
      return stateSubject.value;
    },
    get consecutiveFailures() {
      return failures;
    },
    protect,
    recordSuccess: onSuccess,
    recordFailure: record,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      recoveryTimer?.unsubscribe();
      recoveryTimer = undefined;
      probe = undefined;
      stateSubject.complete();
    },
  };
}

/** Operator form of `breaker.protect()`, for pipelines that read better with it. */
export function circuitBreaker<T>(breaker: CircuitBreaker): MonoTypeOperatorFunction<T> {
  return breaker.protect<T>();
}

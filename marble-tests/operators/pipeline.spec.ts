import { concatMap, defer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import {
  CircuitOpenError,
  batch,
  createCircuitBreaker,
  requestTimeout,
  retryBackoff,
  OperationTimeoutError,
  type RetryInfo,
} from '../../src/operators/index.js';
import { createTestScheduler } from './test-scheduler.js';

const down = new KafkaError('connection refused', { retriable: true });
const states = { c: 'closed', o: 'open', h: 'half-open' } as const;

describe('retryBackoff around a circuit-protected source', () => {
  it('retries through open (fail-fast), a failed probe, and a successful probe', () => {
    const ts = createTestScheduler();
    const retries: RetryInfo[] = [];
    let subscriptions = 0;
    ts.run(({ cold, expectObservable }) => {
      const breaker = createCircuitBreaker({
        target: 'broker-1',
        failureThreshold: 2,
        recoveryTimeoutMs: 50,
        scheduler: ts,
      });
      // the target is down for its first three connection attempts
      const target = defer(() => (++subscriptions <= 3 ? cold('-#', undefined, down) : cold('-a|')));
      const request = target.pipe(
        breaker.protect(),
        retryBackoff({
          maxRetries: 5,
          initialDelayMs: 10,
          jitter: 0,
          scheduler: ts,
          onRetry: (info) => retries.push(info),
        }),
      );
      // 0: fail, 11: fail -> open at 12 (half-open at 62), 32: fail-fast, 72: probe fails ->
      // open at 73 (half-open at 123), 153: probe succeeds at 154
      expectObservable(request).toBe('154ms a|');
      expectObservable(breaker.state$).toBe('c 11ms o 49ms h 10ms o 49ms h 30ms c', states);
    });
    expect(subscriptions).toBe(4);
    expect(retries.map((r) => r.delayMs)).toEqual([10, 20, 40, 80]);
    expect(retries.map((r) => r.error)).toEqual([down, down, new CircuitOpenError('broker-1', down), down]);
    expect(retries[2].error).toBeInstanceOf(CircuitOpenError);
  });

  it('gives up with the last error when the budget runs out while the circuit is open', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const breaker = createCircuitBreaker({ target: 'broker-1', failureThreshold: 1, recoveryTimeoutMs: 1000, scheduler: ts });
      const target = cold('-#', undefined, down);
      const request = target.pipe(breaker.protect(), retryBackoff({ maxRetries: 2, initialDelayMs: 10, jitter: 0, scheduler: ts }));
      // fails at 1 (opens), fail-fast at 11 and 31: the last error is the CircuitOpenError
      expectObservable(request).toBe('31ms #', undefined, new CircuitOpenError('broker-1', down));
      expectSubscriptions(target.subscriptions).toBe(['^!']);
    });
  });
});

describe('requestTimeout', () => {
  it('errors with OperationTimeoutError and unsubscribes when no answer comes in time', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('-----a|');
      expectObservable(slow.pipe(requestTimeout(3, { scheduler: ts }))).toBe('---#', undefined, new OperationTimeoutError(3));
      expectSubscriptions(slow.subscriptions).toBe('^--!');
    });
  });

  it('passes an answer that arrives in time, and does not time later values', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('--a-----b|').pipe(requestTimeout(3, { scheduler: ts }))).toBe('--a-----b|');
    });
  });

  it('uses makeError, and the timeout error is retriable so retryBackoff re-sends', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('-----a|');
      const custom = new KafkaError('request 7 timed out', { retriable: true });
      const request = slow.pipe(
        requestTimeout(3, { scheduler: ts, makeError: () => custom }),
        retryBackoff({ maxRetries: 1, initialDelayMs: 2, jitter: 0, scheduler: ts }),
      );
      expectObservable(request).toBe('8ms #', undefined, custom);
      expectSubscriptions(slow.subscriptions).toBe(['^--!', '5ms ^--!']);
    });
    expect(new OperationTimeoutError(3).retriable).toBe(true);
  });
});

describe('batch feeding a guarded, retried send', () => {
  it('sends each batch in order, retrying a transient failure, then completes', () => {
    const ts = createTestScheduler();
    let sends = 0;
    ts.run(({ hot, cold, expectObservable }) => {
      const breaker = createCircuitBreaker({ target: 'broker-1', failureThreshold: 3, scheduler: ts });
      const send = (records: string[]) =>
        defer(() => (sends++ === 0 ? cold('--#', undefined, down) : cold('--r|', { r: records.join('') })));
      const records = hot('-a-b-c-d-----|');
      const reports = records.pipe(
        batch({ maxCount: 2, lingerMs: 10, scheduler: ts }),
        concatMap((records) =>
          send(records).pipe(
            breaker.protect(),
            retryBackoff({ initialDelayMs: 5, jitter: 0, scheduler: ts }),
          ),
        ),
      );
      // [a,b] at 3 fails at 5, resent at 10 -> 'ab' at 12; [c,d] (ready at 7) waits its turn:
      // sent at 13 -> 'cd' at 15; the source completed at 13, so everything completes at 16
      expectObservable(reports).toBe('12ms x 2ms y|', { x: 'ab', y: 'cd' });
      expectObservable(breaker.state$).toBe('c', states);
    });
    expect(sends).toBe(3);
  });
});

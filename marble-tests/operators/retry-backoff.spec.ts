import { defer, tap, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaError } from '../../src/errors.js';
import { retryBackoff, type RetryInfo } from '../../src/operators/index.js';
import { createTestScheduler } from './test-scheduler.js';

const retriable = new KafkaError('leader moved', { code: 6, retriable: true });
const permanent = new KafkaError('topic authorization failed', { code: 29, retriable: false });
const half = (): number => 0.5; // jitter factor exactly 1: nominal delays

describe('retryBackoff (marbles)', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('re-subscribes after 10, 20, 40 ms and rethrows once maxRetries are spent', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, retriable);
      const result = source.pipe(
        retryBackoff({ maxRetries: 3, initialDelayMs: 10, multiplier: 2, random: half, scheduler: ts }),
      );
      // errors at 1, 12, 33, 74; waits of 10, 20, 40 between them
      expectObservable(result).toBe('74ms #', undefined, retriable);
      expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '73ms ^!']);
    });
  });

  it('applies jitter from the injected random source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, retriable);
      const result = source.pipe(
        retryBackoff({ maxRetries: 2, initialDelayMs: 10, jitter: 0.2, random: () => 0, scheduler: ts }),
      );
      // 10·0.8 = 8, then 20·0.8 = 16
      expectObservable(result).toBe('27ms #', undefined, retriable);
      expectSubscriptions(source.subscriptions).toBe(['^!', '9ms ^!', '26ms ^!']);
    });
  });

  it('caps every delay at maxDelayMs', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, retriable);
      const result = source.pipe(
        retryBackoff({
          maxRetries: 3,
          initialDelayMs: 10,
          multiplier: 10,
          maxDelayMs: 50,
          random: () => 0.999, // would push above the cap without it
          scheduler: ts,
        }),
      );
      // delays 12 (10·1.2 rounded), 50, 50
      expectSubscriptions(source.subscriptions).toBe(['^!', '13ms ^!', '64ms ^!', '115ms ^!']);
      expectObservable(result).toBe('116ms #', undefined, retriable);
    });
  });

  it('rethrows the last error itself, not a wrapper', () => {
    const errors = [1, 2, 3].map((n) => new KafkaError(`attempt ${n}`, { retriable: true }));
    let seen: unknown;
    ts.run(({ cold, expectObservable }) => {
      let i = 0;
      const source = defer(() => cold('-#', undefined, errors[i++]));
      const result = source.pipe(
        retryBackoff({ maxRetries: 2, initialDelayMs: 5, random: half, scheduler: ts }),
        tap({ error: (e: unknown) => (seen = e) }),
      );
      expectObservable(result).toBe('18ms #', undefined, errors[2]);
    });
    expect(seen).toBe(errors[2]);
  });

  it('lets a non-retriable error through at once, without resubscribing', () => {
    let seen: unknown;
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a: 1 }, permanent);
      const result = source.pipe(
        retryBackoff({ scheduler: ts }),
        tap({ error: (e: unknown) => (seen = e) }),
      );
      expectObservable(result).toBe('-a-#', { a: 1 }, permanent);
      expectSubscriptions(source.subscriptions).toBe(['^--!']);
    });
    expect(seen).toBe(permanent);
  });

  it('by default retries KafkaErrors flagged retriable and duck-typed { retriable: true }, not plain errors', () => {
    const ducky = Object.assign(new Error('socket reset'), { retriable: true });
    const plain = new Error('bug');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const duck$ = cold('-#', undefined, ducky);
      const plain$ = cold('-#', undefined, plain);
      const options = { maxRetries: 1, initialDelayMs: 10, random: half, scheduler: ts };
      expectObservable(duck$.pipe(retryBackoff(options))).toBe('12ms #', undefined, ducky);
      expectObservable(plain$.pipe(retryBackoff(options))).toBe('-#', undefined, plain);
      expectSubscriptions(duck$.subscriptions).toBe(['^!', '11ms ^!']);
      expectSubscriptions(plain$.subscriptions).toBe(['^!']);
    });
  });

  it('asks shouldRetry with the 1-based attempt number', () => {
    const asked: number[] = [];
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, permanent);
      const result = source.pipe(
        retryBackoff({
          maxRetries: 5,
          initialDelayMs: 10,
          random: half,
          scheduler: ts,
          shouldRetry: (_e, attempt) => {
            asked.push(attempt);
            return attempt < 3; // third retry refused
          },
        }),
      );
      expectObservable(result).toBe('33ms #', undefined, permanent);
      expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!']);
    });
    expect(asked).toEqual([1, 2, 3]);
  });

  it('resetOnSuccess: an emission restarts the schedule and the retry budget', () => {
    const scripts = ['-#', '-#', '-a#', '-#', '-#'];
    const run = (resetOnSuccess: boolean, expected: string): RetryInfo[] => {
      const retries: RetryInfo[] = [];
      createTestScheduler().run(({ cold, expectObservable }) => {
        let i = 0;
        const source: Observable<string> = defer(() => cold(scripts[i++], { a: 'a' }, retriable));
        const result = source.pipe(
          retryBackoff({
            maxRetries: 2,
            initialDelayMs: 10,
            random: half,
            resetOnSuccess,
            onRetry: (info) => retries.push(info),
          }),
        );
        expectObservable(result).toBe(expected, { a: 'a' }, retriable);
      });
      return retries;
    };
    // without reset: errors at 1, 12; 'a' at 33 then the error at 34 exhausts the budget
    const plain = run(false, '33ms a#');
    expect(plain.map((r) => [r.attempt, r.delayMs])).toEqual([[1, 10], [2, 20]]);
    // with reset: after 'a', attempts count from 1 again: resubscribe at 44 and 65, error at 66
    const reset = run(true, '33ms a 32ms #');
    expect(reset.map((r) => [r.attempt, r.delayMs])).toEqual([[1, 10], [2, 20], [1, 10], [2, 20]]);
    expect(reset.every((r) => r.error === retriable)).toBe(true);
  });

  it('unsubscribing during a wait cancels the pending retry', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, retriable);
      const result = source.pipe(retryBackoff({ initialDelayMs: 10, random: half, scheduler: ts }));
      expectObservable(result, '^ 5ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe(['^!']);
    });
    expect(ts.actions).toHaveLength(0);
  });

  it('passes values and completion through untouched', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|').pipe(retryBackoff({ scheduler: ts }))).toBe('-a-b|');
    });
  });

  it('rejects invalid options at construction, naming the field', () => {
    expect(() => retryBackoff({ maxRetries: -1 })).toThrow(KafkaConfigError);
    expect(() => retryBackoff({ maxRetries: 1.5 })).toThrow(/maxRetries/);
    expect(() => retryBackoff({ jitter: 1.5 })).toThrow(/jitter/);
    expect(() => retryBackoff({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => retryBackoff({ initialDelayMs: Number.NaN })).toThrow(/initialDelayMs/);
    expect(() => retryBackoff({ maxDelayMs: -5 })).toThrow(/maxDelayMs/);
    expect(() => retryBackoff({ maxRetries: Infinity })).not.toThrow();
  });
});

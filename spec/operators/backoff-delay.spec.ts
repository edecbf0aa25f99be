import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetriableError } from '../../src/operators/index.js';
import { KafkaError } from '../../src/errors.js';

describe('backoffDelay', () => {
  it('is the nominal exponential schedule when jitter is 0', () => {
    const options = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('uses defaults 100 ms, x2, cap 30 s, ±20%', () => {
    expect(backoffDelay(1, {}, () => 0.5)).toBe(100);
    expect(backoffDelay(3, {}, () => 0)).toBe(320);
    expect(backoffDelay(3, {}, () => 1)).toBe(480);
    expect(backoffDelay(20, {}, () => 0)).toBe(24_000);
    expect(backoffDelay(20, {}, () => 0.99)).toBe(30_000);
  });

  it('stays within ±jitter of the capped nominal delay and never above maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialDelayMs, maxDelayMs, multiplier, jitter, r) => {
          const delay = backoffDelay(attempt, { initialDelayMs, maxDelayMs, multiplier, jitter }, () => r);
          const nominal = Math.min(initialDelayMs * multiplier ** (attempt - 1), maxDelayMs);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - jitter)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * (1 + jitter)));
        },
      ),
    );
  });

  it('grows monotonically with the attempt for a fixed random draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        expect(backoffDelay(n + 1, {}, () => r)).toBeGreaterThanOrEqual(backoffDelay(n, {}, () => r));
      }),
    );
  });
});

describe('isRetriableError', () => {
  it('follows the retriable flag and rejects everything else', () => {
    expect(isRetriableError(new KafkaError('x', { retriable: true }))).toBe(true);
    expect(isRetriableError(new KafkaError('x'))).toBe(false);
    expect(isRetriableError({ retriable: true })).toBe(true);
    expect(isRetriableError({ retriable: 'yes' })).toBe(false);
    expect(isRetriableError(new Error('x'))).toBe(false);
    expect(isRetriableError(null)).toBe(false);
    expect(isRetriableError('retriable')).toBe(false);
  });
});

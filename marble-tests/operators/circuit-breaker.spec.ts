import type { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaError } from '../../src/errors.js';
import {
  CircuitOpenError,
  circuitBreaker,
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
} from '../../src/operators/index.js';
import { createTestScheduler } from './test-scheduler.js';

const down = new KafkaError('connection refused', { retriable: true });
// the failure that opened the circuit is its cause
const open = new CircuitOpenError('broker-1', down);
const states = { c: 'closed', o: 'open', h: 'half-open' } as const;

describe('circuitBreaker (marbles)', () => {
  let ts: TestScheduler;
  let breaker: CircuitBreaker;
  const make = (options: Partial<CircuitBreakerOptions> = {}): CircuitBreaker =>
    (breaker = createCircuitBreaker({ target: 'broker-1', scheduler: ts, ...options }));

  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('opens after failureThreshold consecutive failures and then fails fast without subscribing', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 3, recoveryTimeoutMs: 100 });
      const failing = cold('-#', undefined, down);
      const guarded = failing.pipe(breaker.protect());
      expectObservable(guarded, '^').toBe('-#', undefined, down);
      expectObservable(guarded, '10ms ^').toBe('11ms #', undefined, down);
      expectObservable(guarded, '20ms ^').toBe('21ms #', undefined, down);
      expectObservable(guarded, '30ms ^').toBe('30ms #', undefined, open);
      expectObservable(guarded, '120ms ^').toBe('120ms #', undefined, open);
      expectSubscriptions(failing.subscriptions).toBe(['^!', '10ms ^!', '20ms ^!']);
      // open at 21, half-open 100 ms later
      expectObservable(breaker.state$).toBe('c 20ms o 99ms h', states);
    });
  });

  it('counts calls failing together, begun before the first of them failed, as one incident', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 2, recoveryTimeoutMs: 100 });
      // five calls in flight on one connection; it breaks at 10 ms and fails them all
      const inFlight = cold('10ms #', undefined, down);
      for (let i = 0; i < 5; i++) expectObservable(inFlight.pipe(breaker.protect()), '^').toBe('10ms #', undefined, down);
      // still closed: one incident of the two it takes; the next call goes through
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '20ms ^').toBe('21ms #', undefined, down);
      // begun after the first incident, failing on its own: the second incident opens it
      expectObservable(cold('-a|').pipe(breaker.protect()), '30ms ^').toBe('30ms #', undefined, open);
      expectObservable(breaker.state$).toBe('c 20ms o 99ms h', states);
    });
  });

  it('counts a failure of a call begun before the last counted one only if nothing failed in between', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 3, recoveryTimeoutMs: 100 });
      // begun at 0: the one at 5 fails alone, then the one begun at 0 fails at 20 (same incident)
      expectObservable(cold('20ms #', undefined, down).pipe(breaker.protect()), '^').toBe('20ms #', undefined, down);
      expectObservable(cold('5ms #', undefined, down).pipe(breaker.protect()), '^').toBe('5ms #', undefined, down);
      // begun after 5 ms: new failures, the second of them the third incident
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '30ms ^').toBe('31ms #', undefined, down);
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '40ms ^').toBe('41ms #', undefined, down);
      expectObservable(breaker.state$).toBe('c 40ms o 99ms h', states);
    });
  });

  it('a success while closed resets the consecutive-failure count', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 2, recoveryTimeoutMs: 100 });
      const failing = cold('-#', undefined, down);
      const ok = cold('-a|');
      expectObservable(failing.pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(ok.pipe(breaker.protect()), '10ms ^').toBe('11ms a|');
      expectObservable(failing.pipe(breaker.protect()), '20ms ^').toBe('21ms #', undefined, down);
      expectObservable(failing.pipe(breaker.protect()), '30ms ^').toBe('31ms #', undefined, down);
      expectObservable(ok.pipe(breaker.protect()), '40ms ^').toBe('40ms #', undefined, open);
      expectSubscriptions(ok.subscriptions).toBe(['10ms ^-!']);
      expectObservable(breaker.state$).toBe('c 30ms o 99ms h', states);
    });
  });

  it('half-open admits exactly one probe; its success closes the circuit', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 50 });
      const failing = cold('-#', undefined, down);
      const slow = cold('----a|');
      const ok = cold('-a|');
      expectObservable(failing.pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(ok.pipe(breaker.protect()), '10ms ^').toBe('10ms #', undefined, open);
      // half-open from 51; the probe is in flight 60..64
      expectObservable(slow.pipe(breaker.protect()), '60ms ^').toBe('64ms a|');
      expectObservable(ok.pipe(breaker.protect()), '61ms ^').toBe('61ms #', undefined, open);
      expectObservable(ok.pipe(breaker.protect()), '63ms ^').toBe('63ms #', undefined, open);
      expectObservable(ok.pipe(breaker.protect()), '70ms ^').toBe('71ms a|');
      expectSubscriptions(slow.subscriptions).toBe(['60ms ^----!']);
      expectSubscriptions(ok.subscriptions).toBe(['70ms ^-!']);
      expectObservable(breaker.state$).toBe('c o 49ms h 12ms c', states);
    });
  });

  it('a failed probe re-opens the circuit and restarts the recovery timer', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 50 });
      const failing = cold('-#', undefined, down);
      const ok = cold('-a|');
      expectObservable(failing.pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(failing.pipe(breaker.protect()), '60ms ^').toBe('61ms #', undefined, down);
      // 100 would be half-open had the timer not restarted at 61
      expectObservable(ok.pipe(breaker.protect()), '100ms ^').toBe('100ms #', undefined, open);
      expectObservable(ok.pipe(breaker.protect()), '120ms ^').toBe('121ms a|');
      expectSubscriptions(failing.subscriptions).toBe(['^!', '60ms ^!']);
      expectSubscriptions(ok.subscriptions).toBe(['120ms ^-!']);
      expectObservable(breaker.state$).toBe('c o 49ms h 9ms o 49ms h 9ms c', states);
    });
  });

  it('a probe unsubscribed before its outcome frees the slot and leaves the circuit half-open', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 50 });
      const failing = cold('-#', undefined, down);
      const slow = cold('----a|');
      const ok = cold('-a|');
      expectObservable(failing.pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(slow.pipe(breaker.protect()), '60ms ^--!').toBe('');
      expectObservable(ok.pipe(breaker.protect()), '61ms ^').toBe('61ms #', undefined, open);
      expectObservable(ok.pipe(breaker.protect()), '70ms ^').toBe('71ms a|');
      expectSubscriptions(slow.subscriptions).toBe(['60ms ^--!']);
      expectSubscriptions(ok.subscriptions).toBe(['70ms ^-!']);
      expectObservable(breaker.state$).toBe('c o 49ms h 19ms c', states);
    });
  });

  it('a multi-value stream is judged by its first value: a later error is not a failure', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 1 });
      const flaky = cold('-a-#', undefined, down);
      expectObservable(flaky.pipe(breaker.protect()), '^').toBe('-a-#', undefined, down);
      expectObservable(breaker.state$).toBe('c', states);
    });
    expect(breaker.state).toBe('closed');
  });

  it('completion without a value is a success (closes a half-open circuit)', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 10 });
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(cold('--|').pipe(breaker.protect()), '20ms ^').toBe('22ms |');
      expectObservable(breaker.state$).toBe('c o 9ms h 10ms c', states);
    });
  });

  it('errors excluded by isFailure count as successes', () => {
    const appError = new KafkaError('unknown topic', { code: 3 });
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 2, recoveryTimeoutMs: 10, isFailure: (e) => e !== appError });
      const failing = cold('-#', undefined, down);
      const app = cold('-#', undefined, appError);
      expectObservable(failing.pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      expectObservable(app.pipe(breaker.protect()), '5ms ^').toBe('6ms #', undefined, appError); // resets
      expectObservable(failing.pipe(breaker.protect()), '10ms ^').toBe('11ms #', undefined, down);
      expectObservable(failing.pipe(breaker.protect()), '15ms ^').toBe('16ms #', undefined, down);
      // open at 16, half-open at 26, the application error from the probe closes it at 31
      expectObservable(app.pipe(breaker.protect()), '30ms ^').toBe('31ms #', undefined, appError);
      expectObservable(breaker.state$).toBe('c 15ms o 9ms h 4ms c', states);
    });
  });

  it('records outcomes observed out of band', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 2, recoveryTimeoutMs: 10 });
      cold('f-f 20ms s').subscribe((v) => (v === 'f' ? breaker.recordFailure(down) : breaker.recordSuccess()));
      expectObservable(breaker.state$).toBe('c-o 9ms h 10ms c', states);
    });
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('outcomes recorded while open are ignored; the timer alone decides', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 10 });
      cold('f 4ms s f').subscribe((v) => (v === 'f' ? breaker.recordFailure(down) : breaker.recordSuccess()));
      expectObservable(breaker.state$).toBe('o 9ms h', states);
    });
  });

  it('dispose cancels the recovery timer, completes state$, and lets traffic through', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 1, recoveryTimeoutMs: 10 });
      const ok = cold('-a|');
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '^').toBe('-#', undefined, down);
      cold('5ms d').subscribe(() => breaker.dispose());
      expectObservable(breaker.state$).toBe('co 3ms |', states);
      expectObservable(ok.pipe(breaker.protect()), '20ms ^').toBe('21ms a|');
      expectSubscriptions(ok.subscriptions).toBe(['20ms ^-!']);
    });
    expect(breaker.state).toBe('open');
    expect(ts.actions).toHaveLength(0);
  });

  it('circuitBreaker(breaker) is the operator form of protect()', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      make({ failureThreshold: 1 });
      const failing = cold('-#', undefined, down);
      expectObservable(failing.pipe(circuitBreaker(breaker)), '^').toBe('-#', undefined, down);
      expectObservable(failing.pipe(circuitBreaker(breaker)), '5ms ^').toBe('5ms #', undefined, open);
      expectSubscriptions(failing.subscriptions).toBe(['^!']);
    });
  });

  it('a throwing isFailure surfaces its own error and counts a failure', () => {
    const bug = new Error('predicate bug');
    ts.run(({ cold, expectObservable }) => {
      make({
        failureThreshold: 1,
        recoveryTimeoutMs: 100,
        isFailure: () => {
          throw bug;
        },
      });
      expectObservable(cold('-#', undefined, down).pipe(breaker.protect()), '^').toBe('-#', undefined, bug);
      expectObservable(breaker.state$).toBe('co 99ms h', states);
    });
  });

  it('CircuitOpenError carries the failure that opened the circuit as its cause; a failed probe replaces it', () => {
    ts.run(({ cold, expectObservable }) => {
      make({ failureThreshold: 2, recoveryTimeoutMs: 100 });
      const first = new KafkaError('connect ECONNREFUSED', { retriable: true });
      const second = new KafkaError('connect ETIMEDOUT', { retriable: true });
      const probeFailure = new KafkaError('TLS handshake failed', { retriable: true });
      expectObservable(cold('-#', undefined, first).pipe(breaker.protect()), '^').toBe('-#', undefined, first);
      expectObservable(cold('-#', undefined, second).pipe(breaker.protect()), '5ms ^').toBe('6ms #', undefined, second);
      const failing = cold('-#', undefined, down).pipe(breaker.protect());
      // opened at 6 by the second failure
      expectObservable(failing, '10ms ^').toBe('10ms #', undefined, new CircuitOpenError('broker-1', second));
      // half-open at 106: the probe fails and opens it again, now by the probe's failure
      expectObservable(cold('-#', undefined, probeFailure).pipe(breaker.protect()), '110ms ^').toBe('111ms #', undefined, probeFailure);
      expectObservable(failing, '120ms ^').toBe('120ms #', undefined, new CircuitOpenError('broker-1', probeFailure));
    });
    const e = new CircuitOpenError('broker-1', down);
    expect(e.cause).toBe(down);
    expect(e.message).toContain('connection refused');
  });

  it('CircuitOpenError is a retriable KafkaError naming its target', () => {
    expect(open).toBeInstanceOf(KafkaError);
    expect(open.retriable).toBe(true);
    expect(open.target).toBe('broker-1');
    expect(open.name).toBe('CircuitOpenError');
    expect(open.message).toContain('broker-1');
  });

  it('rejects invalid options at construction, naming the field', () => {
    expect(() => createCircuitBreaker({ target: '' })).toThrow(KafkaConfigError);
    expect(() => createCircuitBreaker({ target: 'x', failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => createCircuitBreaker({ target: 'x', recoveryTimeoutMs: -1 })).toThrow(/recoveryTimeoutMs/);
  });
});

import { catchError, of } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import { DeliveryTimeoutError } from '../../src/producer/errors.js';
import { DeliveryError, Producer } from '../../src/producer/producer.js';
import { FakeClusterClient, partitionKey } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, shapes, track } from './helpers.js';

const NOT_LEADER_OR_FOLLOWER = 6;
const REQUEST_TIMED_OUT = 7;

/** An error as a value marbles can compare: its class, its cause's class and Kafka code. */
const describeError = (e: unknown) => {
  const cause = e instanceof Error ? e.cause : undefined;
  const inner = cause instanceof Error ? cause.cause : undefined;
  return {
    error: e instanceof Error ? e.constructor.name : typeof e,
    cause: cause instanceof Error ? cause.constructor.name : undefined,
    code: inner instanceof KafkaError ? inner.code : undefined,
  };
};

describe('producer retry timing (virtual time)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // The sender draws jitter from Math.random (backoffDelay's default source; the sender offers
  // no way to pass one), so the draw is pinned here: 0 gives the shortest delay, 0.5 the
  // nominal one, just under 1 the longest.
  it.each([
    [0, 80],
    [0.5, 100],
    [0.999999, 120],
  ])('a partition answering NOT_LEADER_OR_FOLLOWER is resent after the backoff (random %s -> %s ms)', (draw, delay) => {
    vi.spyOn(Math, 'random').mockReturnValue(draw);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: 3 },
        delayMs: 5,
        produce: (call) => (call.index === 0 ? { codes: { [partitionKey('t', 0)]: NOT_LEADER_OR_FOLLOWER } } : undefined),
      });
      const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);

      // Sent at 0 (input completes, flush), refused at 5, resent at 5 + delay, answered 5 later.
      expectObservable(shapes(fake.produceCalls$)).toBe(`x ${4 + delay}ms y`, { x: ['t/0: a'], y: ['t/0: a'] });
      expectObservable(of(rec('a', 0, 'A')).pipe(producer.produce())).toBe(`${10 + delay}ms (m|)`, {
        m: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 'A' },
      });
    });
  });

  it('a leadership error marks the topic metadata stale and asks for it again before the resend', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    ts.run(() => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: 3 },
        delayMs: 5,
        produce: (call) => (call.index === 0 ? { codes: { [partitionKey('t', 0)]: NOT_LEADER_OR_FOLLOWER } } : undefined),
      });
      const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);
      fake.produceCalls$.subscribe((call) => {
        // The leader moved while the first request was out: the resend must follow it.
        if (call.index === 0) fake.setLeader('t', 0, 3);
      });
      of(rec('a', 0)).pipe(producer.produce()).subscribe();
      ts.flush();
      expect(fake.invalidations).toEqual([{ topic: 't', errorCode: NOT_LEADER_OR_FOLLOWER }]);
      expect(fake.metadataRequests).toEqual([['t'], ['t']]);
      expect(fake.produceCalls.map((c) => [c.at, c.broker])).toEqual([
        [0, 1],
        [105, 3],
      ]);
    });
  });

  it('backoff doubles on each further retry of the same batch', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: 3 },
        delayMs: 5,
        produce: (call) => (call.index < 2 ? { codes: { [partitionKey('t', 0)]: REQUEST_TIMED_OUT } } : undefined),
      });
      const producer = new Producer(fake, { acks: 1 }, ts);

      // 0 -> refused 5 -> +100 -> 105 -> refused 110 -> +200 -> 310 -> answered 315.
      expectObservable(shapes(fake.produceCalls$)).toBe('x 104ms y 204ms z', {
        x: ['t/0: a'],
        y: ['t/0: a'],
        z: ['t/0: a'],
      });
      expectObservable(of(rec('a', 0)).pipe(producer.produce())).toBe('315ms (m|)', {
        m: { topic: 't', partition: 0, offset: 0n, timestamp: 0 },
      });
    });
  });

  it('a request that fails as a whole with a retriable error is resent after the backoff', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: 3 },
        delayMs: 5,
        produce: (call) => (call.index === 0 ? { error: new KafkaError('connection reset', { retriable: true }) } : undefined),
      });
      const producer = new Producer(fake, { acks: 1 }, ts);

      expectObservable(shapes(fake.produceCalls$)).toBe('x 104ms y', { x: ['t/0: a'], y: ['t/0: a'] });
      expectObservable(of(rec('a', 0)).pipe(producer.produce())).toBe('110ms (m|)', {
        m: { topic: 't', partition: 0, offset: 0n, timestamp: 0 },
      });
    });
  });

  it('a partition in retry does not hold back another partition of the same broker', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: { partitions: 2, leaders: [1, 1] } },
        delayMs: 5,
        produce: (call) => (call.batches.some((b) => b.partition === 0) && call.index === 0 ? { codes: { [partitionKey('t', 0)]: REQUEST_TIMED_OUT } } : undefined),
      });
      const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);
      const records = cold('(ab) 200ms |', { a: rec('a', 0), b: rec('b', 1) });

      // Both partitions idle: both batches go at once, in one request. Output keeps input order:
      // b (acknowledged at 5) waits for a (refused at 5, resent at 105, acknowledged at 110).
      expectObservable(records.pipe(producer.produce())).toBe('110ms (ab) 90ms |', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0 },
        b: { topic: 't', partition: 1, offset: 0n, timestamp: 0 },
      });
      ts.flush();
      const sent = fake.produceCalls.flatMap((c) => c.batches.map((b) => `${c.at} ${b.topic}/${b.partition}`));
      expect(sent).toEqual(['0 t/0', '0 t/1', '105 t/0']);
      expect(fake.produceCalls.find((c) => c.batches.some((b) => b.partition === 1))?.answeredAt).toBe(5);
    });
  });

  it('when the next retry would end past deliveryTimeoutMs the record fails with DeliveryTimeoutError', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, {
        topics: { t: 3 },
        delayMs: 5,
        produce: () => ({ codes: { [partitionKey('t', 0)]: REQUEST_TIMED_OUT } }),
      });
      const producer = new Producer(fake, { acks: 1, deliveryTimeoutMs: 400 }, ts);

      // Attempts at 0, 105, 310; the third refusal at 315 would wait 400 more, past 400: give up.
      expectObservable(shapes(fake.produceCalls$)).toBe('x 104ms y 204ms z', {
        x: ['t/0: a'],
        y: ['t/0: a'],
        z: ['t/0: a'],
      });
      const out = of(rec('a', 0)).pipe(
        producer.produce(),
        catchError((e: unknown) => of(describeError(e))),
      );
      expectObservable(out).toBe('315ms (e|)', {
        e: { error: DeliveryError.name, cause: DeliveryTimeoutError.name, code: REQUEST_TIMED_OUT },
      });
    });
  });

  it('send() of a record that keeps failing rejects with DeliveryTimeoutError carrying the last broker error', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, {
      topics: { t: 3 },
      delayMs: 5,
      produce: () => ({ codes: { [partitionKey('t', 0)]: REQUEST_TIMED_OUT } }),
    });
    const producer = new Producer(fake, { acks: 1, lingerMs: 0, deliveryTimeoutMs: 400 }, ts);
    const sent = track(producer.send(rec('a', 0)));
    await advanceTo(ts, 314);
    expect(sent.state).toBe('pending');
    await advanceTo(ts, 315);
    expect(sent.state).toBe('rejected');
    expect(sent.error).toBeInstanceOf(DeliveryTimeoutError);
    expect(((sent.error as Error).cause as KafkaError).code).toBe(REQUEST_TIMED_OUT);
    expect(fake.delivered('t', 0)).toEqual([]);
  });

  it('a batch waiting behind a slow request fails with DeliveryTimeoutError at its deadline', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: { partitions: 3, leaders: [1, 2, 1] } }, delayMs: 1000 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 5, maxInFlight: 1, deliveryTimeoutMs: 500 }, ts);
    const first = track(producer.send(rec('a', 0)));
    await advanceTo(ts, 10);
    // Partition 2 shares broker 1, whose only slot is held by `a` until 1005.
    const second = track(producer.send(rec('b', 2)));
    await advanceTo(ts, 509);
    expect(second.state).toBe('pending');
    // Its deadline is 500 ms from send() (510), or at the latest from its batch closing (515).
    await advanceTo(ts, 515);
    expect(second.state).toBe('rejected');
    expect(second.error).toBeInstanceOf(DeliveryTimeoutError);
    // `a` itself, in flight past its deadline without idempotence, was abandoned at 500; its
    // answer at 1005 changes nothing
    expect(first.state).toBe('rejected');
    expect(first.error).toBeInstanceOf(DeliveryTimeoutError);
    await advanceTo(ts, 1005);
    expect(first.state).toBe('rejected');
  });

  it('an idempotent batch is resent with its producer id and sequence; the next batch continues the sequence', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, {
      topics: { t: 3 },
      delayMs: 5,
      producerId: 4242n,
      produce: (call) => (call.index === 0 ? { codes: { [partitionKey('t', 0)]: NOT_LEADER_OR_FOLLOWER } } : undefined),
    });
    const producer = new Producer(fake, { acks: 'all', lingerMs: 5 }, ts);
    const a = track(producer.send([rec('a1', 0), rec('a2', 0)]));
    // The call's batch closes as it ends (no linger for send([...])): sent at 0, refused at 5,
    // resent at 105, answered at 110.
    await advanceTo(ts, 109);
    expect(a.state).toBe('pending');
    await advanceTo(ts, 110);
    expect(a.state).toBe('fulfilled');
    const b = track(producer.send(rec('b', 0)));
    await advanceTo(ts, 200);
    expect(b.state).toBe('fulfilled');
    expect(fake.produceCalls.map((c) => [c.at, c.batches.map((x) => [x.values.join(','), x.producerId, x.baseSequence])])).toEqual([
      [0, [['a1,a2', 4242n, 0]]],
      [105, [['a1,a2', 4242n, 0]]],
      [110, [['b', 4242n, 2]]], // the partition idle again: b goes at once
    ]);
    expect(fake.delivered('t', 0)).toEqual(['a1', 'a2', 'b']);
  });
});

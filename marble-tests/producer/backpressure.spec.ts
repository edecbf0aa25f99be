import fc from 'fast-check';
import { catchError, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferExhaustedError } from '../../src/producer/errors.js';
import { DeliveryError, Producer, type ProducerStats } from '../../src/producer/producer.js';
import { FakeClusterClient } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, shapes, track, valueOfSize, type Outcome } from './helpers.js';

// The producers here set sendWhenIdle: false: these tests time batches by lingerMs, which a
// record finding its partition idle would skip (send-linger.spec.ts tests that rule).

/** Records of 500 bytes: two fit in a 1024-byte buffer, a third does not. */
const big = (name: string, partition = 0, context?: unknown) => rec(valueOfSize(500, name), partition, context);
const first = (v: string | null) => (v ?? '').slice(0, 1);

describe('producer backpressure with bufferMemory (virtual time)', () => {
  it('produce() holds a record that does not fit until a batch is acknowledged, keeping arrival order', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024 }, ts);
      const records = cold('(abc) 3000ms |', { a: big('a', 0, 1), b: big('b', 0, 2), c: big('c', 0, 3) });

      // [a, b] leave at 5 and are acknowledged at 1005, which frees room for c: its batch
      // closes at 1010 and is acknowledged at 2010.
      expectObservable(shapes(fake.produceCalls$)).toBe('5ms x 1004ms y', {
        x: [`t/0: ${valueOfSize(500, 'a')},${valueOfSize(500, 'b')}`],
        y: [`t/0: ${valueOfSize(500, 'c')}`],
      });
      // The input completes at 3005.
      expectObservable(records.pipe(producer.produce())).toBe('1005ms (ab) 1001ms c 994ms |', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 1 },
        b: { topic: 't', partition: 0, offset: 1n, timestamp: 0, context: 2 },
        c: { topic: 't', partition: 0, offset: 2n, timestamp: 0, context: 3 },
      });
    });
  });

  it('the (n+1)-th send() waits for room: its record reaches no request before a batch is acknowledged', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024 }, ts);
    const a = track(producer.send(big('a')));
    const b = track(producer.send(big('b')));
    const c = track(producer.send(big('c')));
    await advanceTo(ts, 1004);
    expect([a.state, b.state, c.state]).toEqual(['pending', 'pending', 'pending']);
    expect(fake.produceCalls.map((call) => call.batches.flatMap((x) => x.values.map(first)))).toEqual([['a', 'b']]);
    await advanceTo(ts, 1005);
    expect([a.state, b.state, c.state]).toEqual(['fulfilled', 'fulfilled', 'pending']);
    await advanceTo(ts, 2010);
    expect(c.state).toBe('fulfilled');
    expect(fake.produceCalls.map((call) => [call.at, call.batches.flatMap((x) => x.values.map(first))])).toEqual([
      [5, ['a', 'b']],
      [1010, ['c']],
    ]);
  });

  it('a send() still without room after maxBlockMs rejects with BufferExhaustedError at exactly that frame', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024, maxBlockMs: 300 }, ts);
    const a = track(producer.send(big('a')));
    const b = track(producer.send(big('b')));
    const c = track(producer.send(big('c')));
    await advanceTo(ts, 299);
    expect(c.state).toBe('pending');
    await advanceTo(ts, 300);
    expect(c.state).toBe('rejected');
    expect(c.error).toBeInstanceOf(BufferExhaustedError);
    await advanceTo(ts, 1005);
    expect([a.state, b.state]).toEqual(['fulfilled', 'fulfilled']);
    await advanceTo(ts, 3000);
    expect(fake.delivered('t', 0).map(first)).toEqual(['a', 'b']);
  });

  it('after a rejection for lack of room, the producer takes records again once room is back', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024, maxBlockMs: 300 }, ts);
    const ab = track(producer.send([big('a'), big('b')]));
    const c = track(producer.send(big('c')));
    await advanceTo(ts, 1005);
    expect([ab.state, c.state]).toEqual(['fulfilled', 'rejected']);
    const d = track(producer.send(big('d')));
    await advanceTo(ts, 2010);
    expect(d.state).toBe('fulfilled');
    expect(fake.delivered('t', 0).map(first)).toEqual(['a', 'b', 'd']);
  });

  it('every send() waiting for room rejects maxBlockMs after it was called, not after the one before it', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024, maxBlockMs: 300 }, ts);
    void producer.send([big('a'), big('b')]);
    const c = track(producer.send(big('c')));
    const d = track(producer.send(big('d')));
    await advanceTo(ts, 300);
    expect(c.state).toBe('rejected');
    expect(d.state).toBe('rejected');
    expect(d.error).toBeInstanceOf(BufferExhaustedError);
  });

  it('produce() reports a record refused for lack of room in its place, after the records before it', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
      const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, bufferMemory: 1024, maxBlockMs: 300 }, ts);
      const records = cold('(abc) 3000ms |', { a: big('a', 0, 1), b: big('b', 0, 2), c: big('c', 0, 3) });
      const out = records.pipe(
        producer.produce(),
        catchError((e: unknown) =>
          of(e instanceof DeliveryError ? `${e.constructor.name}(${(e.cause as Error).constructor.name}, context ${String(e.record.context)})` : 'other'),
        ),
      );
      // c is refused at 300 but reported at 1005, once a and b have their metadata.
      expectObservable(out).toBe('1005ms (abe|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 1 },
        b: { topic: 't', partition: 0, offset: 1n, timestamp: 0, context: 2 },
        e: 'DeliveryError(BufferExhaustedError, context 3)',
      });
    });
  });

  it('a record larger than bufferMemory is taken alone when nothing else is held', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 100 });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 0, bufferMemory: 1024, maxBlockMs: 1000 }, ts);
    const queued: number[] = [];
    producer.stats$.subscribe((s) => queued.push(s.queuedBytes));
    const huge = track(producer.send(rec(valueOfSize(1500, 'h'), 0)));
    const next = track(producer.send(big('n')));
    await advanceTo(ts, 100);
    expect(huge.state).toBe('fulfilled');
    expect(next.state).toBe('pending');
    await advanceTo(ts, 200);
    expect(next.state).toBe('fulfilled');
    expect(Math.max(...queued)).toBe(1500);
  });

  it('stats$ never shows queued bytes above bufferMemory plus one record (property, virtual time)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1024, max: 8192 }),
        fc.array(
          fc.record({ size: fc.integer({ min: 21, max: 3000 }), gap: fc.integer({ min: 0, max: 20 }), partition: fc.integer({ min: 0, max: 2 }) }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 20 }),
        async (bufferMemory, records, delayMs, lingerMs) => {
          const ts = createTestScheduler();
          const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs });
          const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs, bufferMemory, maxBlockMs: 1_000_000, maxWaitingBytes: 1 << 30, batchBytes: 4096 }, ts);
          const seen: ProducerStats[] = [];
          producer.stats$.subscribe((s) => seen.push(s));
          const sends: Array<Outcome<unknown>> = [];
          let at = 0;
          for (const r of records) {
            at += r.gap;
            await advanceTo(ts, at);
            sends.push(track(producer.send(rec(valueOfSize(r.size), r.partition))));
          }
          const flushed = track(producer.flush());
          await advanceTo(ts, at + records.length * (delayMs + lingerMs + 1));
          expect(flushed.state).toBe('fulfilled');
          expect(sends.every((s) => s.state === 'fulfilled')).toBe(true);
          const largest = Math.max(...records.map((r) => r.size));
          expect(Math.max(...seen.map((s) => s.queuedBytes))).toBeLessThanOrEqual(bufferMemory + largest);
          expect(seen.at(-1)?.queuedBytes).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});

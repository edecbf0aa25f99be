import { catchError, of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import { InvalidRecordError } from '../../src/producer/errors.js';
import { DeliveryError, Producer } from '../../src/producer/producer.js';
import type { ProducerRecord } from '../../src/producer/record.js';
import { FakeClusterClient, partitionKey } from '../../spec/support/fake-cluster-client.js';
import { createTestScheduler, rec, requestShape } from './helpers.js';

const INVALID_RECORD = 87;
const MESSAGE_TOO_LARGE = 10;

/** Leaders are p % 3 + 1, so partition p is answered after (p + 1) * 10 ms. */
const slowerByBroker = (ts: TestScheduler, codes: Record<string, number> = {}) =>
  new FakeClusterClient(ts, { topics: { t: 3 }, produce: (call) => ({ delayMs: call.broker * 10, codes }) });

/** A produce() failure as a comparable value. */
const failure = (e: unknown) => {
  if (!(e instanceof DeliveryError)) return { unexpected: String(e) };
  const cause = e.cause;
  return cause instanceof KafkaError
    ? { failed: e.record.context, code: cause.code, retriable: cause.retriable }
    : { failed: e.record.context, cause: String(cause) };
};

describe('producer.produce() (virtual time)', () => {
  it('flushes on completion and emits the three metadata in input order, with their context', () => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = slowerByBroker(ts);
      const producer = new Producer(fake, { acks: 1, lingerMs: 60_000 }, ts);
      // r1's partition answers last (30), r2's first (10): output still follows the input.
      const input = of(rec('r1', 2, { id: 1 }), rec('r2', 0, { id: 2 }), rec('r3', 1, { id: 3 }));

      expectObservable(input.pipe(producer.produce())).toBe('30ms (abc|)', {
        a: { topic: 't', partition: 2, offset: 0n, timestamp: 0, context: { id: 1 } },
        b: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: { id: 2 } },
        c: { topic: 't', partition: 1, offset: 0n, timestamp: 0, context: { id: 3 } },
      });
      ts.flush();
      // Completion flushed all three at once, without waiting for the minute-long linger.
      expect(fake.produceCalls.map((c) => c.at)).toEqual([0, 0, 0]);
    });
  });

  it('does not complete while a record is still unacknowledged', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 50 });
      const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);
      const input = cold('a-b|', { a: rec('a', 0, 'A'), b: rec('b', 1, 'B') });

      // Each record finds its partition idle and goes at once (a at 0, b at 2); the input
      // completes at 3, and the output only with the last answer, at 52.
      expectObservable(input.pipe(producer.produce())).toBe('50ms a 1ms (b|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 'A' },
        b: { topic: 't', partition: 1, offset: 0n, timestamp: 2, context: 'B' },
      });
    });
  });

  it.each([
    [INVALID_RECORD, 'INVALID_RECORD'],
    [MESSAGE_TOO_LARGE, 'MESSAGE_TOO_LARGE'],
  ])('a partition answering %s (%s) ends produce() with DeliveryError after the metadata before it; other partitions are delivered', (code) => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = slowerByBroker(ts, { [partitionKey('t', 1)]: code });
      const producer = new Producer(fake, { acks: 1 }, ts);
      const input = of(rec('r1', 0, 1), rec('r2', 1, 2), rec('r3', 2, 3));

      // r1 acknowledged at 10, r2 refused at 20: the stream errors then; r3 is not waited for.
      const out = input.pipe(
        producer.produce(),
        catchError((e: unknown) => of(failure(e))),
      );
      expectObservable(out).toBe('10ms a 9ms (e|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 1 },
        e: { failed: 2, code, retriable: false },
      });
      ts.flush();
      expect(fake.delivered('t', 0)).toEqual(['r1']);
      expect(fake.delivered('t', 1)).toEqual([]);
      expect(fake.delivered('t', 2)).toEqual(['r3']);
    });
  });

  it('an invalid record in the stream fails in its place; the records around it are still sent', () => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
      const producer = new Producer(fake, { acks: 1 }, ts);
      const invalid = { topic: 't', value: 42, context: 2 } as unknown as ProducerRecord;
      const input = of(rec('r1', 0, 1), invalid, rec('r3', 0, 3));
      const out = input.pipe(
        producer.produce(),
        catchError((e: unknown) =>
          of(e instanceof DeliveryError && e.cause instanceof InvalidRecordError ? `invalid ${e.cause.field}, context ${String(e.record.context)}` : 'other'),
        ),
      );

      expectObservable(out).toBe('10ms (ae|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 1 },
        e: 'invalid value, context 2',
      });
      ts.flush();
      expect(fake.delivered('t', 0)).toEqual(['r1', 'r3']);
    });
  });

  it('a batch holding records of the stream that are not consecutive: each gets its own offset, in input order', () => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = slowerByBroker(ts);
      const producer = new Producer(fake, { acks: 1 }, ts);
      // a, b, d and e share partition 0's batch (answered at 10), c is partition 1's (at 20)
      const input = of(rec('a', 0, 'a'), rec('b', 0, 'b'), rec('c', 1, 'c'), rec('d', 0, 'd'), rec('e', 0, 'e'));

      expectObservable(input.pipe(producer.produce())).toBe('10ms (ab) 6ms (cde|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 'a' },
        b: { topic: 't', partition: 0, offset: 1n, timestamp: 0, context: 'b' },
        c: { topic: 't', partition: 1, offset: 0n, timestamp: 0, context: 'c' },
        d: { topic: 't', partition: 0, offset: 2n, timestamp: 0, context: 'd' },
        e: { topic: 't', partition: 0, offset: 3n, timestamp: 0, context: 'e' },
      });
      ts.flush();
      expect(fake.produceCalls.map(requestShape)).toEqual([['t/0: a,b,d,e'], ['t/1: c']]);
    });
  });

  it('a topic stamping LogAppendTime: produce() and send() give the broker\'s time, not the record\'s', async () => {
    const ts = createTestScheduler();
    const emitted: Array<[bigint, number]> = [];
    let sent: Promise<Array<{ timestamp: number }>> | undefined;
    ts.run(() => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10, produce: () => ({ logAppendTimeMs: 1_234 }) });
      const producer = new Producer(fake, { acks: 1 }, ts);
      of({ ...rec('a', 0), timestamp: 5 }, rec('b', 0)).pipe(producer.produce()).subscribe((m) => emitted.push([m.offset, m.timestamp]));
      sent = producer.send([{ ...rec('c', 1), timestamp: 7 }]);
    });
    expect(emitted).toEqual([[0n, 1_234], [1n, 1_234]]);
    expect((await sent)?.map((m) => m.timestamp)).toEqual([1_234]);
  });

  it('acks 0: every record emits its metadata with offset -1n (the broker does not say)', () => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
      const producer = new Producer(fake, { acks: 0 }, ts);
      expectObservable(of(rec('a', 0, 1), rec('b', 2, 2)).pipe(producer.produce())).toBe('10ms (ab|)', {
        a: { topic: 't', partition: 0, offset: -1n, timestamp: 0, context: 1 },
        b: { topic: 't', partition: 2, offset: -1n, timestamp: 0, context: 2 },
      });
    });
  });

  it('a context getter that throws when the metadata is made ends produce() with DeliveryError naming that record, after the metadata before it', () => {
    const ts = createTestScheduler();
    ts.run(({ expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
      const producer = new Producer(fake, { acks: 1 }, ts);
      let reads = 0;
      // read once as the record is taken (fine), again for its metadata (throws)
      const fickle = {
        ...rec('b', 0),
        get context(): string {
          if (++reads > 1) throw new Error('second read');
          return 'b';
        },
      };
      const out = of(rec('a', 0, 'a'), fickle, rec('c', 0, 'c')).pipe(
        producer.produce(),
        catchError((e: unknown) =>
          of(e instanceof DeliveryError && e.cause instanceof InvalidRecordError ? `${e.cause.field}: ${e.cause.message}` : `other: ${String(e)}`),
        ),
      );
      expectObservable(out).toBe('10ms (ae|)', {
        a: { topic: 't', partition: 0, offset: 0n, timestamp: 0, context: 'a' },
        e: expect.stringMatching(/^context: .*second read/) as unknown as string,
      });
      ts.flush();
      expect(fake.delivered('t', 0)).toEqual(['a', 'b', 'c']);
    });
  });
});


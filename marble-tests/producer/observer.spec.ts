import { from, map, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import { BufferExhaustedError } from '../../src/producer/errors.js';
import { DeliveryError, Producer } from '../../src/producer/producer.js';
import { FakeClusterClient, partitionKey } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, track, valueOfSize } from './helpers.js';

const INVALID_RECORD = 87;

describe('producer as an Observer (virtual time)', () => {
  it('records$.subscribe(producer) then flush(): every record is delivered, failures come out on errors$', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, {
      topics: { t: 3 },
      delayMs: 10,
      produce: () => ({ codes: { [partitionKey('t', 2)]: INVALID_RECORD } }),
    });
    const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);
    const failures: DeliveryError[] = [];
    producer.errors$.subscribe((e) => failures.push(e));
    const bare = rec('bare', 2);
    from([rec('a', 0, 'A'), rec('b', 1, 'B'), rec('bad', 2, 'X'), bare, rec('c', 0, 'C')]).subscribe(producer);
    const flushed = track(producer.flush());
    await advanceTo(ts, 9);
    expect(flushed.state).toBe('pending');
    await advanceTo(ts, 10);
    expect(flushed.state).toBe('fulfilled');
    expect([fake.delivered('t', 0), fake.delivered('t', 1), fake.delivered('t', 2)]).toEqual([['a', 'c'], ['b'], []]);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBeInstanceOf(DeliveryError);
    expect(failures[0].record.context).toBe('X');
    expect((failures[0].cause as KafkaError).code).toBe(INVALID_RECORD);
    // a record without a context is named by the record itself
    expect(failures[1].record).toBe(bare);
  });

  it('flush() right after next() calls waits for those records: the burst they arrived in is placed first', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 10 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 50 }, ts);
    producer.next(rec('a', 0));
    producer.next(rec('b', 0));
    const flushed = track(producer.flush());
    await advanceTo(ts, 9);
    expect(flushed.state).toBe('pending');
    await advanceTo(ts, 10);
    expect(flushed.state).toBe('fulfilled');
    expect(fake.produceCalls.map((c) => [c.at, c.batches[0].values.join('')])).toEqual([[0, 'ab']]);
  });

  it('completion of the source flushes without waiting for linger', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 60_000 }, ts);
    from([rec('a', 0), rec('b', 1)]).subscribe(producer);
    await advanceTo(ts, 10);
    expect(fake.produceCalls.map((c) => c.at)).toEqual([0, 0]);
    expect([fake.delivered('t', 0), fake.delivered('t', 1)]).toEqual([['a'], ['b']]);
  });

  it('an error from the source appears on errors$; records before it are still delivered', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
    const producer = new Producer(fake, { acks: 1, lingerMs: 5 }, ts);
    const failures: DeliveryError[] = [];
    producer.errors$.subscribe((e) => failures.push(e));
    const boom = new Error('upstream broke');
    from([rec('a', 0)]).subscribe({ next: (r) => producer.next(r) });
    throwError(() => boom).subscribe(producer);
    const flushed = track(producer.flush());
    await advanceTo(ts, 15);
    expect(flushed.state).toBe('fulfilled');
    expect(failures.map((e) => e.cause)).toEqual([boom]);
    expect(fake.delivered('t', 0)).toEqual(['a']);
  });

  it('errors$ reports a record refused for lack of buffer room at frame maxBlockMs', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 1000 });
      const producer = new Producer(fake, { acks: 1, lingerMs: 5, bufferMemory: 1024, maxBlockMs: 300 }, ts);
      const big = (name: string) => rec(valueOfSize(500, name), 0, name);
      cold('(abc)', { a: big('a'), b: big('b'), c: big('c') }).subscribe(producer);

      const refused = producer.errors$.pipe(map((e) => [e.record.context, (e.cause as Error).constructor.name]));
      expectObservable(refused).toBe('300ms e', { e: ['c', BufferExhaustedError.name] });
    });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { FakeClusterClient, partitionKey, type FakeProduceCall } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, track } from './helpers.js';

const REQUEST_TIMED_OUT = 7;
const INVALID_RECORD = 87;
const T0 = partitionKey('t', 0);

/** Each Produce request as `time: values@epoch/sequence`: the partition's one batch in it. */
const timeline = (calls: readonly FakeProduceCall[]): string[] =>
  calls.map((c) => `${c.at}: ${c.batches.map((b) => `${b.values.join('')}@${b.producerEpoch}/${b.baseSequence}`).join(' ')}`);

/**
 * One partition, seven records of a batch each (batchBytes 1), sent at 0; every answer takes 10
 * ms. The first batch of the producer id goes alone; then five go at once (the window). The
 * request carrying `c`, the 2nd of the five, fails with `code`; the fake refuses the batches
 * behind it as a broker does, as out of order (a gap in the sequences).
 */
function pipeline(code: number) {
  const ts = createTestScheduler();
  const fake = new FakeClusterClient(ts, {
    topics: { t: 1 },
    delayMs: 10,
    produce: (call) => (call.index === 2 ? { codes: { [T0]: code } } : undefined),
  });
  const producer = new Producer(fake, { batchBytes: 1, lingerMs: 0 }, ts); // idempotent, maxInFlight 5: the defaults
  const sends = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((v) => track(producer.send(rec(v, 0))));
  return { ts, fake, producer, sends };
}

describe('producer: the in-flight window of one idempotent partition (virtual time)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a failure in the middle of five batches in flight: the failed one goes again alone after its backoff, then each behind it in sequence order, then the window opens again', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // the nominal 100 ms backoff
    const { ts, fake, sends } = pipeline(REQUEST_TIMED_OUT);
    await advanceTo(ts, 300);
    expect(timeline(fake.produceCalls)).toEqual([
      '0: a@0/0', // the first batch of a producer id goes alone
      '10: b@0/1',
      '10: c@0/2',
      '10: d@0/3',
      '10: e@0/4',
      '10: f@0/5',
      // b's answer, first at 20, frees a place in the window: g goes before c's answer is read
      '20: g@0/6',
      // c timed out at 20: resent after its backoff; d, e, f, g (refused as out of order) follow
      // it one at a time, without backoff, each once the one before it is answered
      '120: c@0/2',
      '130: d@0/3',
      '140: e@0/4',
      '150: f@0/5',
      '160: g@0/6',
    ]);
    expect(sends.map((s) => s.state)).toEqual(Array(7).fill('fulfilled'));
    expect(fake.delivered('t', 0)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(sends.map((s) => s.value?.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it('a batch lost for good bumps the epoch for its partition: once nothing of it is in flight, the batches behind it go again under the new epoch from sequence 0', async () => {
    const { ts, fake, sends } = pipeline(INVALID_RECORD);
    await advanceTo(ts, 300);
    expect(timeline(fake.produceCalls)).toEqual([
      '0: a@0/0',
      '10: b@0/1',
      '10: c@0/2',
      '10: d@0/3',
      '10: e@0/4',
      '10: f@0/5',
      '20: g@0/6',
      // c is refused for good at 20: a gap the broker refuses everything after. The epoch is
      // bumped; once g is answered (out of order, at 30), d, e, f and g are stamped again from 0
      // under it, the first of them alone
      '30: d@1/0',
      '40: e@1/1',
      '40: f@1/2',
      '40: g@1/3',
    ]);
    expect(sends.map((s) => s.state)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(fake.delivered('t', 0)).toEqual(['a', 'b', 'd', 'e', 'f', 'g']);
  });

  it('without idempotence a partition has one batch in flight at a time', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 1 }, delayMs: 10 });
    const producer = new Producer(fake, { acks: 1, batchBytes: 1, lingerMs: 0 }, ts);
    const sends = ['a', 'b', 'c'].map((v) => track(producer.send(rec(v, 0))));
    await advanceTo(ts, 100);
    expect(timeline(fake.produceCalls)).toEqual(['0: a@-1/-1', '10: b@-1/-1', '20: c@-1/-1']);
    expect(sends.map((s) => s.state)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });
});

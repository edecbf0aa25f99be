import { describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { FakeClusterClient, partitionKey } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, track } from './helpers.js';

const MESSAGE_TOO_LARGE = 10;

describe('producer: a batch refused as too large (virtual time)', () => {
  it('goes again as two halves in its place, ahead of the batches behind it, with its sequences', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, {
      topics: { t: 1 },
      delayMs: 10,
      // the first request is refused; a batch of more than two records is refused every time
      produce: (call) =>
        call.index === 0 || call.batches.some((b) => b.values.length > 2) ? { codes: { [partitionKey('t', 0)]: MESSAGE_TOO_LARGE } } : undefined,
    });
    const producer = new Producer(fake, { acks: 'all', lingerMs: 5 }, ts);
    const first = track(producer.send(['a', 'b', 'c', 'd', 'e'].map((v) => rec(v, 0))));
    await advanceTo(ts, 6);
    const later = track(producer.send(rec('f', 0)));
    await advanceTo(ts, 200);
    expect(fake.produceCalls.map((c) => c.batches.map((b) => b.values.join('')).join('|'))).toEqual(['abcde', 'abc', 'ab', 'c', 'de', 'f']);
    expect(fake.produceCalls.map((c) => c.batches[0].baseSequence)).toEqual([0, 0, 0, 2, 3, 5]);
    expect(first.state).toBe('fulfilled');
    expect(later.state).toBe('fulfilled');
    expect(fake.delivered('t', 0)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect((first.value ?? []).map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
  });
});

import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors.js';
import { InvalidRecordError, RecordTooLargeError } from '../../src/producer/errors.js';
import { Producer } from '../../src/producer/producer.js';
import type { ProducerRecord } from '../../src/producer/record.js';
import { FakeClusterClient, partitionKey } from '../../spec/support/fake-cluster-client.js';
import { advanceTo, createTestScheduler, rec, track, valueOfSize } from './helpers.js';

// The producers here set sendWhenIdle: false: these tests time batches by lingerMs, which a
// record finding its partition idle would skip (send-linger.spec.ts tests that rule).

const UNKNOWN_TOPIC_OR_PARTITION = 3;
// a permanent error the producer has no remedy for (MESSAGE_TOO_LARGE would split the batch)
const INVALID_RECORD = 87;

const setup = (codes: Record<string, number> = {}) => {
  const ts = createTestScheduler();
  const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10, produce: () => ({ codes }) });
  const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, maxRequestBytes: 1024, batchBytes: 1024 }, ts);
  return { ts, fake, producer };
};

describe('producer error routing per record (virtual time)', () => {
  it.each([
    ['topic', { value: 'no topic' }],
    ['topic', { topic: '', value: 'empty topic' }],
    ['value', { topic: 't', value: 42 }],
    ['key', { topic: 't', key: { id: 1 }, value: 'v' }],
    ['partition', { topic: 't', value: 'v', partition: -1 }],
    ['headers.h', { topic: 't', value: 'v', headers: { h: 7 } }],
  ])('a record with a bad %s: only its send() rejects with InvalidRecordError', async (field, bad) => {
    const { ts, fake, producer } = setup();
    const before = track(producer.send(rec('before', 0)));
    const invalid = track(producer.send(bad as unknown as ProducerRecord));
    const after = track(producer.send(rec('after', 0)));
    await advanceTo(ts, 0);
    expect(invalid.state).toBe('rejected');
    expect(invalid.error).toBeInstanceOf(InvalidRecordError);
    expect((invalid.error as InvalidRecordError).field).toBe(field);
    await advanceTo(ts, 15);
    expect([before.state, after.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(fake.delivered('t', 0)).toEqual(['before', 'after']);
  });

  it('a record larger than maxRequestBytes is rejected alone with RecordTooLargeError, before any request', async () => {
    const { ts, fake, producer } = setup();
    const before = track(producer.send(rec('before', 0)));
    const huge = track(producer.send(rec(valueOfSize(2000), 0)));
    const after = track(producer.send(rec('after', 0)));
    await advanceTo(ts, 0);
    expect(huge.state).toBe('rejected');
    expect(huge.error).toBeInstanceOf(RecordTooLargeError);
    expect(fake.produceCalls).toEqual([]);
    await advanceTo(ts, 15);
    expect([before.state, after.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(fake.produceCalls.flatMap((c) => c.batches.map((b) => b.values))).toEqual([['before', 'after']]);
  });

  it('send([...]) with one bad record rejects with its error; the good ones are still delivered', async () => {
    const { ts, fake, producer } = setup();
    const all = track(producer.send([rec('a', 0), { topic: 't', value: 1 } as unknown as ProducerRecord, rec('c', 1)]));
    await advanceTo(ts, 15);
    expect(all.state).toBe('rejected');
    expect(all.error).toBeInstanceOf(InvalidRecordError);
    expect([fake.delivered('t', 0), fake.delivered('t', 1)]).toEqual([['a'], ['c']]);
  });

  it('a record for an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION; the rest go on', async () => {
    const { ts, fake, producer } = setup();
    const lost = track(producer.send({ topic: 'nope', value: 'x' }));
    const fine = track(producer.send(rec('ok', 0)));
    await advanceTo(ts, 15);
    expect(lost.state).toBe('rejected');
    expect((lost.error as KafkaError).code).toBe(UNKNOWN_TOPIC_OR_PARTITION);
    expect(fine.state).toBe('fulfilled');
    expect(fake.produceCalls.flatMap((c) => c.batches.map((b) => b.topic))).toEqual(['t']);
  });

  it('a record for a partition the topic does not have fails alone', async () => {
    const { ts, producer } = setup();
    const lost = track(producer.send(rec('x', 3)));
    const fine = track(producer.send(rec('ok', 2)));
    await advanceTo(ts, 15);
    expect((lost.error as KafkaError).code).toBe(UNKNOWN_TOPIC_OR_PARTITION);
    expect(fine.state).toBe('fulfilled');
  });

  it('a permanent broker error fails the records of that partition only, within one shared request', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, {
      topics: { t: { partitions: 2, leaders: [1, 1] } },
      delayMs: 10,
      produce: () => ({ codes: { [partitionKey('t', 0)]: INVALID_RECORD } }),
    });
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, maxInFlight: 1 }, ts);
    // A first record holds the broker's only slot so the next two batches share a request.
    void producer.send(rec('warm', 1));
    await advanceTo(ts, 6);
    const p0 = track(producer.send([rec('a', 0), rec('b', 0)]));
    const p1 = track(producer.send(rec('c', 1)));
    await advanceTo(ts, 30);
    expect(fake.produceCalls[1].batches.map((b) => b.partition).sort()).toEqual([0, 1]);
    expect(p0.state).toBe('rejected');
    expect((p0.error as KafkaError).code).toBe(INVALID_RECORD);
    expect(p1.state).toBe('fulfilled');
    expect(fake.delivered('t', 1)).toEqual(['warm', 'c']);
  });

  it('a throwing custom partitioner fails only the record it was asked about', async () => {
    const ts = createTestScheduler();
    const fake = new FakeClusterClient(ts, { topics: { t: 3 }, delayMs: 10 });
    const partitioner = (r: { key: Buffer | null }) => {
      if (r.key?.toString() === 'bad') throw new Error('no partition for bad');
      return 1;
    };
    const producer = new Producer(fake, { acks: 1, sendWhenIdle: false, lingerMs: 5, partitioner }, ts);
    const bad = track(producer.send({ topic: 't', key: 'bad', value: 'x' }));
    const good = track(producer.send({ topic: 't', key: 'good', value: 'y' }));
    await advanceTo(ts, 15);
    expect(bad.state).toBe('rejected');
    expect((bad.error as Error).message).toMatch(/partitioner threw/);
    expect(good.state).toBe('fulfilled');
    expect(fake.delivered('t', 1)).toEqual(['y']);
  });
});

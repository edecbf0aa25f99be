import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaConfigError, KafkaError } from '../../src/errors.js';
import {
  createDefaultPartitioner,
  createPartitioner,
  fromCustomPartitioner,
  InvalidPartitionError,
  partitionForKey,
  type Partitioner,
  type PartitionerRecord,
} from '../../src/producer/partitioners/index.js';

const keyed = (key: string, topic = 't'): PartitionerRecord => ({ topic, key: Buffer.from(key), value: Buffer.from('v') });
const keyless = (topic = 't'): PartitionerRecord => ({ topic, key: null, value: Buffer.from('v') });

describe('createDefaultPartitioner', () => {
  it('routes keyed records by murmur2 over all partitions, whatever is available', () => {
    const partitioner = createDefaultPartitioner({ random: () => 0 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 100 }), (bytes, count) => {
        const key = Buffer.from(bytes);
        const record = { topic: 't', key, value: null };
        expect(partitioner.partition(record, count)).toBe(partitionForKey(key, count));
        // Availability must not move a key: that would break per-key ordering across clients.
        expect(partitioner.partition(record, count, [count - 1])).toBe(partitionForKey(key, count));
      }),
    );
  });

  it('hashes an empty (non-null) key rather than treating it as keyless', () => {
    // The sticky side would answer 0 here (random 0); the hash of no bytes mod 7 is not 0.
    const partitioner = createDefaultPartitioner({ random: () => 0 });
    const expected = partitionForKey(Buffer.alloc(0), 7);
    expect(expected).not.toBe(0);
    expect(partitioner.partition({ topic: 't', key: Buffer.alloc(0), value: null }, 7)).toBe(expected);
  });

  it('sends keyless records to a sticky partition among the available ones until its batch closes', () => {
    const partitioner = createDefaultPartitioner({ random: () => 0.5 });
    const available = [2, 5, 7];
    const first = partitioner.partition(keyless(), 8, available);
    expect(first).toBe(5);
    for (let i = 0; i < 50; i++) expect(partitioner.partition(keyless(), 8, available)).toBe(first);
    // Keyed records in between do not disturb the sticky choice.
    partitioner.partition(keyed('k'), 8, available);
    partitioner.onNewBatch('t', first, 8, available);
    const second = partitioner.partition(keyless(), 8, available);
    expect(second).not.toBe(first);
    expect(available).toContain(second);
  });

  it('keeps separate sticky state per partitioner instance and per topic', () => {
    const a = createDefaultPartitioner({ random: () => 0 });
    const b = createDefaultPartitioner({ random: () => 0.99 });
    expect(a.partition(keyless('x'), 4)).toBe(0);
    expect(b.partition(keyless('x'), 4)).toBe(3);
    a.onNewBatch('x', 0, 4);
    expect(a.partition(keyless('x'), 4)).toBe(1);
    expect(a.partition(keyless('y'), 4)).toBe(0);
  });
});

describe('fromCustomPartitioner', () => {
  it('passes the record and partition count through and returns a valid answer', () => {
    const seen: Array<[PartitionerRecord, number]> = [];
    const custom: Partitioner = (record, count) => {
      seen.push([record, count]);
      return count - 1;
    };
    const record = keyed('k', 'orders');
    expect(fromCustomPartitioner(custom).partition(record, 6)).toBe(5);
    expect(seen).toEqual([[record, 6]]);
  });

  it.each([
    ['-1', -1],
    ['the partition count', 6],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '1'],
    ['undefined', undefined],
  ])('rejects %s with an InvalidPartitionError naming topic and value', (_label, value) => {
    const partitioner = fromCustomPartitioner(() => value as number);
    let error: unknown;
    try {
      partitioner.partition(keyed('k', 'orders'), 6);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidPartitionError);
    expect(error).toBeInstanceOf(KafkaError);
    const invalid = error as InvalidPartitionError;
    expect(invalid.name).toBe('InvalidPartitionError');
    expect(invalid.topic).toBe('orders');
    expect(invalid.value).toBe(value);
    expect(invalid.partitionCount).toBe(6);
    expect(invalid.retriable).toBe(false);
    expect(invalid.message).toContain('"orders"');
    expect(invalid.message).toContain(typeof value === 'string' ? JSON.stringify(value) : String(value));
    expect(invalid.message).toContain('[0, 6)');
  });

  it('accepts every integer in [0, partitionCount) and nothing outside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -2000, max: 2000 }), (count, value) => {
        const partitioner = fromCustomPartitioner(() => value);
        if (value >= 0 && value < count) expect(partitioner.partition(keyless(), count)).toBe(value);
        else expect(() => partitioner.partition(keyless(), count)).toThrow(InvalidPartitionError);
      }),
    );
  });

  it('turns a throwing partitioner into an InvalidPartitionError carrying the cause', () => {
    const boom = new Error('boom');
    const partitioner = fromCustomPartitioner(() => {
      throw boom;
    });
    expect(() => partitioner.partition(keyed('k', 'orders'), 3)).toThrow(
      expect.objectContaining({ name: 'InvalidPartitionError', topic: 'orders', cause: boom }),
    );
  });
});

describe('createPartitioner', () => {
  it("defaults to the murmur2/sticky partitioner and accepts 'murmur2'", () => {
    for (const partitioner of [createPartitioner(), createPartitioner('murmur2')]) {
      expect(partitioner.partition(keyed('abc'), 10)).toBe(partitionForKey(Buffer.from('abc'), 10));
    }
  });

  it('wraps a custom function with validation', () => {
    const partitioner = createPartitioner(() => 9);
    expect(() => partitioner.partition(keyless(), 3)).toThrow(InvalidPartitionError);
  });

  it('rejects anything else at construction with the field named', () => {
    expect(() => createPartitioner('round-robin' as 'murmur2')).toThrow(KafkaConfigError);
    expect(() => createPartitioner('round-robin' as 'murmur2')).toThrow(/"partitioner".*"round-robin"/);
  });
});

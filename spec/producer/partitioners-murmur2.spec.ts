import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import murmurhash from 'murmurhash-js';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '../../src/producer/partitioners/murmur2.js';

const JAVA_SEED = 0x9747b28c;

// Byte array -> Utils.murmur2 result, as asserted by the Java client's UtilsTest.testMurmur2.
const JAVA_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/** murmurhash-js hashes a string by char codes; a latin1 string has one char per byte. */
function oracle(bytes: Uint8Array): number {
  return murmurhash.murmur2(Buffer.from(bytes).toString('latin1'), JAVA_SEED) | 0;
}

function kafkajsMetadata(partitionCount: number): PartitionMetadata[] {
  return Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
}

const bytesArb = fc.uint8Array({ maxLength: 300 });
const partitionCountArb = fc.integer({ min: 1, max: 100 });

describe('murmur2', () => {
  it.each(JAVA_VECTORS)('matches the Java client for %j', (key, expected) => {
    expect(murmur2(Buffer.from(key, 'latin1'))).toBe(expected);
  });

  it('returns a signed 32-bit integer, as Java does', () => {
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const h = murmur2(bytes);
        expect(h).toBe(h | 0);
      }),
    );
  });

  it('equals murmurhash-js over the same bytes as a latin1 string', () => {
    for (const [key, expected] of JAVA_VECTORS) expect(oracle(Buffer.from(key, 'latin1'))).toBe(expected);
    fc.assert(fc.property(bytesArb, (bytes) => {
      expect(murmur2(bytes)).toBe(oracle(bytes));
    }), { numRuns: 2000 });
  });

  it('hashes a Buffer that is a view into a larger buffer by its own bytes only', () => {
    const backing = Buffer.from('xxfoobaryy', 'latin1');
    expect(murmur2(backing.subarray(2, 8))).toBe(-790332482);
  });
});

describe('toPositive', () => {
  it('clears the sign bit rather than negating', () => {
    expect(toPositive(5)).toBe(5);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
  });
});

describe('partitionForKey against KafkaJS DefaultPartitioner (Java-compatible)', () => {
  it('uses the Java-compatible KafkaJS partitioner, not the legacy one', () => {
    expect(Partitioners.DefaultPartitioner).toBe(Partitioners.JavaCompatiblePartitioner);
    // The two KafkaJS hashes disagree on this key, so agreeing with one is a real check.
    const key = 'a-little-bit-long-string';
    const metadata = kafkajsMetadata(1000);
    const modern = Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata: metadata, message: { key, value: null } });
    const legacy = Partitioners.LegacyPartitioner()({ topic: 't', partitionMetadata: metadata, message: { key, value: null } });
    expect(legacy).not.toBe(modern);
    expect(modern).toBe(toPositive(-985981536) % 1000);
  });

  it('puts string keys (UTF-8, including non-ASCII) where KafkaJS does, for 1..100 partitions', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
        partitionCountArb,
        (key, partitionCount) => {
          const expected = kafkajs({ topic: 't', partitionMetadata: kafkajsMetadata(partitionCount), message: { key, value: null } });
          expect(partitionForKey(Buffer.from(key, 'utf8'), partitionCount)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('puts byte keys where KafkaJS does, for 1..100 partitions', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(bytesArb, partitionCountArb, (bytes, partitionCount) => {
        const key = Buffer.from(bytes);
        const expected = kafkajs({ topic: 't', partitionMetadata: kafkajsMetadata(partitionCount), message: { key, value: null } });
        expect(partitionForKey(key, partitionCount)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with KafkaJS for every partition count 1..100 on a fixed set of keys', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    // Lengths 0-3 exercise every tail case (the Java vectors have no 1-byte tail).
    const keys = ['', 'a', 'ab', 'abc', 'order-42', 'ключ', '键🔑', ...JAVA_VECTORS.map(([k]) => k)];
    for (let partitionCount = 1; partitionCount <= 100; partitionCount++) {
      const partitionMetadata = kafkajsMetadata(partitionCount);
      for (const key of keys) {
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionForKey(Buffer.from(key, 'utf8'), partitionCount)).toBe(expected);
      }
    }
  });
});

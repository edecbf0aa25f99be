import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRecordBatches, encodeRecordBatch, type RecordInput } from '../../../src/protocol/records/index.js';
import { CODECS, toBuf } from './arbitraries.js';
import { kjsDecodeBatch, kjsEncodeBatch, type KjsRecordIn } from './kafkajs-peer.js';

/** Records KafkaJS can express: unique header keys, Buffer or null key/value. */
const kjsRecordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)), { nil: null }),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)), {
    maxKeys: 3,
  }),
  timestampDelta: fc.integer({ min: -1000, max: 1_000_000 }),
});

const batchFieldsArb = fc.record({
  firstOffset: fc.bigInt({ min: 0n, max: 1n << 50n }),
  firstTimestamp: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  producerId: fc.bigInt({ min: -1n, max: 1n << 60n }),
  producerEpoch: fc.integer({ min: 0, max: 32767 }),
  firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  partitionLeaderEpoch: fc.integer({ min: 0, max: 1000 }),
});

describe('interop with KafkaJS', () => {
  for (const codec of CODECS) {
    it(`${codec}: batches written by KafkaJS decode to the same records`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(kjsRecordArb, { minLength: 1, maxLength: 10 }), batchFieldsArb, async (recs, f) => {
          const records: KjsRecordIn[] = recs.map((r, i) => ({ ...r, offsetDelta: i }));
          const stamps = records.map((r) => f.firstTimestamp + r.timestampDelta);
          const bytes = await kjsEncodeBatch({
            compression: codec,
            firstOffset: f.firstOffset.toString(),
            firstTimestamp: f.firstTimestamp,
            maxTimestamp: Math.max(...stamps),
            lastOffsetDelta: records.length - 1,
            producerId: f.producerId.toString(),
            producerEpoch: f.producerEpoch,
            firstSequence: f.firstSequence,
            transactional: f.transactional,
            partitionLeaderEpoch: f.partitionLeaderEpoch,
            records,
          });
          const [batch, ...rest] = await decodeRecordBatches(bytes);
          expect(rest).toEqual([]);
          expect(batch.compression).toBe(codec);
          expect(batch.baseOffset).toBe(f.firstOffset);
          expect(batch.producerId).toBe(f.producerId);
          expect(batch.producerEpoch).toBe(f.producerEpoch);
          expect(batch.baseSequence).toBe(f.firstSequence);
          expect(batch.isTransactional).toBe(f.transactional);
          expect(batch.partitionLeaderEpoch).toBe(f.partitionLeaderEpoch);
          expect(batch.maxTimestamp).toBe(Math.max(...stamps));
          expect(
            batch.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
          ).toEqual(
            records.map((r, i) => ({
              offset: f.firstOffset + BigInt(i),
              timestamp: stamps[i],
              key: r.key,
              value: r.value,
              headers: Object.entries(r.headers).map(([key, value]) => ({ key, value })),
            })),
          );
        }),
        { numRuns: codec === 'none' ? 200 : 60 },
      );
    });

    it(`${codec}: batches we write decode with KafkaJS to the same records`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(kjsRecordArb, { minLength: 1, maxLength: 10 }), batchFieldsArb, async (recs, f) => {
          const input: RecordInput[] = recs.map((r) => ({
            key: r.key,
            value: r.value,
            headers: r.headers,
            timestamp: f.firstTimestamp + r.timestampDelta,
          }));
          const bytes = await encodeRecordBatch(
            { records: input },
            { now: Date.now(),
              compression: codec,
              baseOffset: f.firstOffset,
              producerId: f.producerId,
              producerEpoch: f.producerEpoch,
              baseSequence: f.firstSequence,
              transactional: f.transactional,
              partitionLeaderEpoch: f.partitionLeaderEpoch,
            },
          );
          const batch = await kjsDecodeBatch(bytes);
          expect(batch.firstOffset).toBe(f.firstOffset.toString());
          expect(batch.producerId).toBe(f.producerId.toString());
          expect(batch.producerEpoch).toBe(f.producerEpoch);
          expect(batch.firstSequence).toBe(f.firstSequence);
          expect(batch.inTransaction).toBe(f.transactional);
          expect(batch.partitionLeaderEpoch).toBe(f.partitionLeaderEpoch);
          expect(batch.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }))).toEqual(
            input.map((r, i) => ({
              offset: (f.firstOffset + BigInt(i)).toString(),
              timestamp: String(r.timestamp),
              key: toBuf(r.key),
              value: toBuf(r.value),
              headers: r.headers,
            })),
          );
        }),
        { numRuns: codec === 'none' ? 200 : 60 },
      );
    });
  }
});

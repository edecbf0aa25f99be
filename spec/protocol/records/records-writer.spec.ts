import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import {
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchSync,
  RecordsWriter,
  sealRecordBatch,
  sealRecordBatchSync,
  type RecordInput,
} from '../../../src/protocol/records/index.js';
import { CODECS, optionsArb, recordArb } from './arbitraries.js';

/** Records as the writer takes them: every one with its timestamp. */
const stamped = (records: RecordInput[], now: number): RecordInput[] => records.map((r) => ({ ...r, timestamp: r.timestamp ?? now }));

function write(writer: RecordsWriter, records: RecordInput[]): number {
  let bytes = 0;
  for (const r of records) bytes += writer.append(r.key, r.value, r.headers, r.timestamp ?? 0);
  return bytes;
}

describe('RecordsWriter', () => {
  it('builds, record by record, the very bytes encodeRecordBatchSync makes of the whole batch', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 40 }), optionsArb, fc.integer({ min: 0, max: 300 }), (input, options, capacity) => {
        const records = stamped(input, options.now ?? 0);
        const writer = new RecordsWriter(capacity);
        write(writer, records);
        expect(writer.recordCount).toBe(records.length);
        const expected = encodeRecordBatchSync(records, options);
        expect(writer.sizeInBytes).toBe(expected.length);
        const encoded = writer.finish();
        expect(encoded).not.toBeNull();
        expect(sealRecordBatchSync(encoded!, options).equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('seals with every codec as encodeRecordBatch does, and the result decodes to the records', async () => {
    for (const compression of CODECS) {
      await fc.assert(
        fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 20 }), optionsArb, async (input, options) => {
          const records = stamped(input, options.now ?? 0);
          const writer = new RecordsWriter();
          write(writer, records);
          const sealed = await sealRecordBatch(writer.finish()!, { ...options, compression });
          const expected = await encodeRecordBatch(records, { now: Date.now(), ...options, compression });
          expect(sealed.equals(expected)).toBe(true);
          const [batch] = await decodeRecordBatches(sealed);
          expect(batch.records.map((r) => r.value?.toString('hex') ?? null)).toEqual(
            records.map((r) => (r.value === null ? null : Buffer.from(r.value as Buffer | string).toString('hex'))),
          );
        }),
        { numRuns: 30 },
      );
    }
  });

  it('starts afresh after finish(), reports each record\'s bytes, and finishes nothing when empty', () => {
    const writer = new RecordsWriter();
    expect(writer.finish()).toBeNull();
    const first = [{ value: 'a', timestamp: 5 }];
    const second = [{ key: 'k', value: Buffer.alloc(10_000, 1), timestamp: 9 }, { value: null, timestamp: 7 }];
    write(writer, first);
    writer.finish();
    const bytes = write(writer, second);
    const expected = encodeRecordBatchSync(second, { now: Date.now() });
    expect(bytes).toBe(expected.length - 61);
    const encoded = writer.finish()!;
    expect(encoded).toMatchObject({ count: 2, lastOffsetDelta: 1, baseTimestamp: 9, maxTimestamp: 9 });
    expect(sealRecordBatchSync(encoded).equals(expected)).toBe(true);
  });

  it('hands a batch no more than twice its bytes of buffer', () => {
    const writer = new RecordsWriter(1 << 20);
    write(writer, [{ value: 'small', timestamp: 1 }]);
    const { buffer } = writer.finish()!;
    expect(buffer.buffer.byteLength).toBeLessThanOrEqual(Math.max(2 * buffer.length, 8192));
  });

  it('refuses to compress in the sync form', () => {
    const writer = new RecordsWriter();
    write(writer, [{ value: 'x', timestamp: 1 }]);
    expect(() => sealRecordBatchSync(writer.finish()!, { compression: 'lz4' })).toThrow(KafkaError);
  });
});

import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/errors.js';
import { decodeRecordBatches, encodeRecordBatch, encodeRecordBatchSync, restampRecordBatch } from '../../../src/protocol/records/index.js';
import { CRC_AT, MAGIC_AT } from '../../../src/protocol/records/attributes.js';

const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, headers: { h: `${i}` }, timestamp: 1000 + i }));

describe('restampRecordBatch', () => {
  it.each(['none', 'gzip', 'lz4'] as const)('changes producer id, epoch and base sequence, keeps the records, and the CRC checks (%s)', async (compression) => {
    const options = { compression, producerId: 7n, producerEpoch: 3, baseSequence: 40, now: 0 };
    const bytes = compression === 'none' ? encodeRecordBatchSync({ records }, options) : await encodeRecordBatch({ records }, options);
    const [before] = await decodeRecordBatches(bytes);
    const crcBefore = bytes.readUInt32BE(CRC_AT);

    restampRecordBatch(bytes, 123456789012n, 4, 0);

    // decodeRecordBatches verifies the CRC-32C: a stale one would throw here
    const [after] = await decodeRecordBatches(bytes);
    expect(after).toMatchObject({ producerId: 123456789012n, producerEpoch: 4, baseSequence: 0 });
    expect(bytes.readUInt32BE(CRC_AT)).not.toBe(crcBefore);
    const { producerId: _a, producerEpoch: _b, baseSequence: _c, ...restBefore } = before;
    const { producerId: _d, producerEpoch: _e, baseSequence: _f, ...restAfter } = after;
    expect(restAfter).toEqual(restBefore);
    expect(after.records.map((r) => r.value?.toString())).toEqual(records.map((r) => r.value));
  });

  it('refuses bytes that are not one whole v2 batch', () => {
    const bytes = encodeRecordBatchSync({ records }, { now: Date.now(), producerId: 1n, producerEpoch: 0, baseSequence: 0 });
    expect(() => restampRecordBatch(bytes.subarray(0, 40), 1n, 1, 0)).toThrow(KafkaProtocolError);
    expect(() => restampRecordBatch(Buffer.concat([bytes, Buffer.alloc(1)]), 1n, 1, 0)).toThrow(KafkaProtocolError);
    const legacy = Buffer.from(bytes);
    legacy[MAGIC_AT] = 1;
    expect(() => restampRecordBatch(legacy, 1n, 1, 0)).toThrow(KafkaProtocolError);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KafkaConfigError, KafkaError, KafkaProtocolError } from '../../../src/errors.js';
import {
  controlRecord,
  crc32c,
  decodeRecordBatches,
  decodeRecordSet,
  decodeRecordSetSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  recordBatchInfo,
  type EncodeOptions,
  type RecordBatch,
  type RecordInput,
} from '../../../src/protocol/records/index.js';
import { CODECS, expectedHeaders, optionsArb, recordArb, toBuf } from './arbitraries.js';

function checkBatch(batch: RecordBatch, records: RecordInput[], o: EncodeOptions, codec: string): void {
  const now = o.now ?? 0;
  const ts = records.map((r) => r.timestamp ?? now);
  const base = BigInt(o.baseOffset ?? 0);
  expect(batch.magic).toBe(2);
  expect(batch.compression).toBe(codec);
  expect(batch.baseOffset).toBe(base);
  expect(batch.lastOffsetDelta).toBe(Math.max(0, records.length - 1));
  expect(batch.partitionLeaderEpoch).toBe(o.partitionLeaderEpoch ?? -1);
  expect(batch.producerId).toBe(BigInt(o.producerId ?? -1));
  expect(batch.producerEpoch).toBe(o.producerEpoch ?? -1);
  expect(batch.baseSequence).toBe(o.baseSequence ?? -1);
  expect(batch.isTransactional).toBe(o.transactional === true);
  expect(batch.isControl).toBe(o.control === true);
  expect(batch.timestampType).toBe(o.timestampType ?? 'create');
  expect(batch.hasDeleteHorizon).toBe(false);
  if (records.length > 0) {
    expect(batch.baseTimestamp).toBe(ts[0]);
    expect(batch.maxTimestamp).toBe(Math.max(...ts));
  }
  expect(batch.records).toHaveLength(records.length);
  batch.records.forEach((r, i) => {
    expect(r.offset).toBe(base + BigInt(i));
    expect(r.timestamp).toBe(o.timestampType === 'log-append' ? batch.maxTimestamp : ts[i]);
    expect(r.key).toEqual(toBuf(records[i].key));
    expect(r.value).toEqual(toBuf(records[i].value));
    expect(r.headers).toEqual(expectedHeaders(records[i].headers));
  });
}

describe('RecordBatch v2 round trip', () => {
  for (const codec of CODECS) {
    it(`${codec}: every field survives encode then decode`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(recordArb, { maxLength: 12 }), optionsArb, async (records, o) => {
          const options = { ...o, compression: codec };
          const bytes = await encodeRecordBatch({ records }, options);
          const set = await decodeRecordSet(bytes);
          expect(set.truncatedBytes).toBe(0);
          expect(set.batches).toHaveLength(1);
          checkBatch(set.batches[0], records, options, codec);
          if (codec !== 'zstd') checkBatch(decodeRecordSetSync(bytes).batches[0], records, options, codec);
        }),
        { numRuns: codec === 'none' ? 300 : 100 },
      );
    });
  }

  it('the sync encoder writes the same bytes as the async one', async () => {
    const records = [{ key: 'a', value: 'b', timestamp: 5 }, { value: Buffer.from([1, 2]), timestamp: 7 }];
    expect(encodeRecordBatchSync(records, { now: 1 })).toEqual(await encodeRecordBatch({ records }, { now: 1 }));
    expect(() => encodeRecordBatchSync(records, { now: Date.now(), compression: 'gzip' })).toThrow(KafkaError);
  });

  it('stamps records without a timestamp with `now`', async () => {
    const bytes = encodeRecordBatchSync([{ value: 'x' }, { value: 'y', timestamp: 50 }], { now: 1234 });
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch.records.map((r) => r.timestamp)).toEqual([1234, 50]);
    expect(batch.baseTimestamp).toBe(1234);
    expect(batch.maxTimestamp).toBe(1234);
  });

  it('keeps repeated header keys in order', async () => {
    const headers: Array<[string, string | null]> = [['k', '1'], ['k', null], ['k', '3']];
    const [batch] = await decodeRecordBatches(encodeRecordBatchSync([{ value: 'v', headers }], { now: 0 }));
    expect(batch.records[0].headers.map((h) => h.value?.toString() ?? null)).toEqual(['1', null, '3']);
  });

  it('keys and values of uncompressed batches are views of the input', async () => {
    const bytes = encodeRecordBatchSync([{ key: 'key', value: 'value' }], { now: 0 });
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch.records[0].value?.buffer).toBe(bytes.buffer);
  });

  it('honours explicit offset deltas and lastOffsetDelta (compacted batches)', async () => {
    const bytes = encodeRecordBatchSync(
      { records: [{ value: 'a', offsetDelta: 2 }, { value: 'b', offsetDelta: 7 }], lastOffsetDelta: 9 },
      { baseOffset: 100n, now: 0 },
    );
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch.records.map((r) => r.offset)).toEqual([102n, 107n]);
    expect(batch.lastOffsetDelta).toBe(9);
  });

  it('handles offsets above 2^53 exactly', async () => {
    const baseOffset = (1n << 62n) + 3n;
    const [batch] = await decodeRecordBatches(encodeRecordBatchSync([{ value: 'a' }, { value: 'b' }], { baseOffset, now: 0 }));
    expect(batch.records.map((r) => r.offset)).toEqual([baseOffset, baseOffset + 1n]);
  });

  it('decodes several batches back to back', async () => {
    const a = encodeRecordBatchSync([{ value: 'a' }], { baseOffset: 0, now: 0 });
    const b = await encodeRecordBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 1, now: 0, compression: 'gzip' });
    const batches = await decodeRecordBatches(Buffer.concat([a, b, a]));
    expect(batches.map((x) => x.records.map((r) => r.value?.toString()))).toEqual([['a'], ['b', 'c'], ['a']]);
  });

  it('decodes empty batches', async () => {
    const [batch] = await decodeRecordBatches(encodeRecordBatchSync([], { now: 9 }));
    expect(batch.records).toEqual([]);
  });
});

describe('control batches', () => {
  for (const type of ['commit', 'abort'] as const) {
    it(`decode a ${type} marker`, async () => {
      const bytes = encodeRecordBatchSync([controlRecord({ type, coordinatorEpoch: 42 }, 77)], { now: Date.now(),
        control: true,
        transactional: true,
        producerId: 9n,
        producerEpoch: 3,
      });
      const [batch] = await decodeRecordBatches(bytes);
      expect(batch.isControl).toBe(true);
      expect(batch.records[0].control).toEqual({ type, version: 0, coordinatorEpoch: 42 });
      expect(batch.records[0].timestamp).toBe(77);
    });
  }

  it('rejects a control record whose key is too short', async () => {
    const bytes = encodeRecordBatchSync([{ key: Buffer.from([0]), value: 'x' }], { control: true, now: 0 });
    await expect(decodeRecordBatches(bytes)).rejects.toBeInstanceOf(KafkaProtocolError);
  });

  it('leaves non-transaction control types without a marker', async () => {
    const key = Buffer.from([0, 0, 0, 2]);
    const [batch] = await decodeRecordBatches(encodeRecordBatchSync([{ key, value: null }], { control: true, now: 0 }));
    expect(batch.records[0].control).toBeUndefined();
  });
});

describe('framing and corruption', () => {
  const valid = encodeRecordBatchSync([{ key: 'k', value: 'v'.repeat(30) }, { value: 'w' }], { now: 1000, baseOffset: 5 });

  it('a partial trailing batch ends the decode cleanly and is reported', async () => {
    for (let cut = 0; cut < valid.length; cut++) {
      const input = Buffer.concat([valid, valid.subarray(0, cut)]);
      const set = await decodeRecordSet(input);
      expect(set.batches).toHaveLength(1);
      expect(set.truncatedBytes).toBe(cut);
    }
  });

  it('a CRC mismatch inside declared bounds is a KafkaProtocolError at the CRC', async () => {
    const bad = Buffer.from(valid);
    bad[bad.length - 1] ^= 1;
    const err = await decodeRecordBatches(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as KafkaProtocolError).offset).toBe(17);
  });

  it('checks the CRC over attributes to the end', () => {
    expect(valid.readUInt32BE(17)).toBe(crc32c(valid, 21));
  });

  it('a 2 GB declared length on a 20-byte input fails fast without allocating', async () => {
    const tiny = Buffer.alloc(20);
    tiny.writeInt32BE(0x7fffffff, 8);
    tiny[16] = 2;
    await expect(decodeRecordBatches(tiny)).rejects.toBeInstanceOf(KafkaProtocolError);
    tiny.writeInt32BE(-1, 8);
    await expect(decodeRecordBatches(tiny)).rejects.toBeInstanceOf(KafkaProtocolError);
  });

  it('a huge record count with valid CRC fails before allocating an array for it', async () => {
    const bad = Buffer.from(valid);
    bad.writeInt32BE(0x7fffffff, 57);
    bad.writeUInt32BE(crc32c(bad, 21), 17);
    await expect(decodeRecordBatches(bad)).rejects.toThrow(/record count/);
  });

  it('unknown magic is a KafkaProtocolError', async () => {
    const bad = Buffer.from(valid);
    bad[16] = 3;
    await expect(decodeRecordBatches(bad)).rejects.toBeInstanceOf(KafkaProtocolError);
  });

  it('records not filling the batch exactly is an error', async () => {
    const bad = Buffer.from(valid);
    bad.writeInt32BE(1, 57); // claims one record, two are present
    bad.writeUInt32BE(crc32c(bad, 21), 17);
    await expect(decodeRecordBatches(bad)).rejects.toThrow(/bytes left/);
  });

  it('a compressed batch that inflates past the limit is refused', async () => {
    const bytes = await encodeRecordBatch([{ value: Buffer.alloc(100_000) }], { compression: 'gzip', now: 0 });
    await expect(decodeRecordBatches(bytes, { maxDecompressedBytes: 10_000 })).rejects.toBeInstanceOf(KafkaProtocolError);
  });
});

describe('recordBatchInfo', () => {
  it('reads the header without the records', async () => {
    const bytes = await encodeRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }], {
      compression: 'lz4',
      baseOffset: 10n,
      producerId: 4n,
      now: 99,
    });
    const info = recordBatchInfo(Buffer.concat([Buffer.from('xx'), bytes]), 2);
    expect(info).toMatchObject({ baseOffset: 10n, recordCount: 3, byteLength: bytes.length, compression: 'lz4', producerId: 4n });
    expect(info).not.toHaveProperty('records');
    expect(() => recordBatchInfo(bytes.subarray(0, 40))).toThrow(KafkaProtocolError);
  });
});

describe('encoding reads no clock', () => {
  it('stamps records without a timestamp with the given now', async () => {
    const [b] = await decodeRecordBatches(encodeRecordBatchSync([{ value: 'a' }, { value: 'b', timestamp: 5 }], { now: 1_700_000_000_000 }));
    expect(b.records.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 5]);
  });

  it('needs no now when every record carries its timestamp', async () => {
    const [b] = await decodeRecordBatches(await encodeRecordBatch([{ value: 'a', timestamp: 7 }], { compression: 'gzip' }));
    expect(b.records[0].timestamp).toBe(7);
  });

  it('refuses records without a timestamp and no now, naming the option', () => {
    expect(() => encodeRecordBatchSync([{ value: 'a', timestamp: 1 }, { value: 'b' }])).toThrow(KafkaConfigError);
    expect(() => encodeRecordBatchSync([])).toThrow(/now/);
    expect(() => encodeRecordBatchSync({ records: [], baseTimestamp: 3 })).not.toThrow();
  });
});

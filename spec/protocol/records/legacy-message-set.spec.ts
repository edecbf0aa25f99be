import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { compress as snappyCompress } from 'snappy';
import { KafkaProtocolError } from '../../../src/errors.js';
import { decodeRecordBatches, decodeRecordSet, encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { gzipWrapper, legacyMessage } from './legacy-builders.js';
import { kjsMessageSet } from './kafkajs-peer.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('legacy MessageSet v0/v1', () => {
  it('decodes hand-built v0 and v1 messages as one pseudo-batch each', async () => {
    const input = Buffer.concat([
      legacyMessage({ offset: 7n, magic: 0, key: b('k0'), value: b('v0') }),
      legacyMessage({ offset: 8n, magic: 1, timestamp: 1_700_000_000_000, key: null, value: b('v1') }),
      legacyMessage({ offset: 9n, magic: 1, attributes: 8, timestamp: 5, key: b(''), value: null }),
    ]);
    const batches = await decodeRecordBatches(input);
    expect(batches.map((x) => [x.magic, x.compression, x.timestampType, x.baseOffset, x.lastOffsetDelta])).toEqual([
      [0, 'none', 'create', 7n, 0],
      [1, 'none', 'create', 8n, 0],
      [1, 'none', 'log-append', 9n, 0],
    ]);
    expect(batches.map((x) => x.records[0])).toEqual([
      { offset: 7n, timestamp: -1, key: b('k0'), value: b('v0'), headers: [] },
      { offset: 8n, timestamp: 1_700_000_000_000, key: null, value: b('v1'), headers: [] },
      { offset: 9n, timestamp: 5, key: b(''), value: null, headers: [] },
    ]);
    expect(batches[1]).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1, isTransactional: false, isControl: false });
  });

  for (const version of [0, 1] as const) {
    it(`decodes KafkaJS-written v${version} message sets`, async () => {
      const entries = [
        { key: b('a'), value: b('one'), timestamp: 1000 },
        { key: null, value: b('two'), timestamp: 2000 },
        { key: b('c'), value: null, timestamp: 3000 },
      ];
      const batches = await decodeRecordBatches(kjsMessageSet(version, entries));
      expect(batches.map((x) => x.records[0])).toEqual(
        entries.map((e) => ({ offset: -1n, timestamp: version === 1 ? e.timestamp : -1, key: e.key, value: e.value, headers: [] })),
      );
    });
  }

  it('decodes a KafkaJS-written v1 gzip wrapper with relative inner offsets', async () => {
    const entries = [0, 1, 2].map((i) => ({ key: b(`k${i}`), value: b(`v${i}`), timestamp: 100 + i }));
    const inner = kjsMessageSet(1, entries, true); // inner offsets 0, 1, 2
    const wrapper = kjsMessageSet(1, [{ key: null, value: gzipSync(inner), compression: 1, timestamp: 102 }]);
    wrapper.writeBigInt64BE(500n, 0); // the broker stamps the wrapper with the last inner offset
    const [batch] = await decodeRecordBatches(wrapper);
    expect(batch.compression).toBe('gzip');
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()])).toEqual([
      [498n, 100, 'k0', 'v0'],
      [499n, 101, 'k1', 'v1'],
      [500n, 102, 'k2', 'v2'],
    ]);
    expect(batch.baseOffset).toBe(498n);
    expect(batch.lastOffsetDelta).toBe(2);
    expect(batch.maxTimestamp).toBe(102);
  });

  it('keeps absolute inner offsets in a v0 wrapper', async () => {
    const inner = [50n, 51n, 53n].map((offset) => ({ offset, magic: 0 as const, key: null, value: b(String(offset)) }));
    const [batch] = await decodeRecordBatches(gzipWrapper(0, 53n, inner));
    expect(batch.records.map((r) => r.offset)).toEqual([50n, 51n, 53n]);
    expect(batch.lastOffsetDelta).toBe(3);
  });

  it('applies a v1 wrapper log-append time to every inner message', async () => {
    const inner = [0n, 1n].map((offset) => ({ offset, magic: 1 as const, timestamp: 1, key: null, value: b('x') }));
    const [batch] = await decodeRecordBatches(gzipWrapper(1, 10n, inner, 999, true));
    expect(batch.timestampType).toBe('log-append');
    expect(batch.records.map((r) => [r.offset, r.timestamp])).toEqual([
      [9n, 999],
      [10n, 999],
    ]);
  });

  it('decodes a snappy wrapper', async () => {
    const inner = Buffer.concat([legacyMessage({ offset: 0n, magic: 1, timestamp: 3, key: null, value: b('s') })]);
    const wrapper = legacyMessage({ offset: 4n, magic: 1, attributes: 2, timestamp: 3, key: null, value: await snappyCompress(inner) });
    const [batch] = await decodeRecordBatches(wrapper);
    expect(batch.records).toEqual([{ offset: 4n, timestamp: 3, key: null, value: b('s'), headers: [] }]);
  });

  it('decodes legacy messages followed by a v2 batch (format upgrade mid-log)', async () => {
    const input = Buffer.concat([
      legacyMessage({ offset: 0n, magic: 1, timestamp: 1, key: null, value: b('old') }),
      encodeRecordBatchSync([{ value: 'new' }], { baseOffset: 1, now: 2 }),
    ]);
    const batches = await decodeRecordBatches(input);
    expect(batches.map((x) => [x.magic, x.records[0].value?.toString()])).toEqual([
      [1, 'old'],
      [2, 'new'],
    ]);
  });

  it('stops cleanly at a truncated trailing message', async () => {
    const one = legacyMessage({ offset: 0n, magic: 1, timestamp: 1, key: b('k'), value: b('value') });
    for (let cut = 0; cut < one.length; cut++) {
      const set = await decodeRecordSet(Buffer.concat([one, one.subarray(0, cut)]));
      expect(set.batches).toHaveLength(1);
      expect(set.truncatedBytes).toBe(cut);
    }
  });

  it('rejects a CRC mismatch', async () => {
    const bad = legacyMessage({ offset: 0n, magic: 0, key: null, value: b('abc') });
    bad[bad.length - 1] ^= 0xff;
    const err = await decodeRecordBatches(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as KafkaProtocolError).offset).toBe(12);
  });

  it('rejects compression nested inside a wrapper', async () => {
    const nested = gzipWrapper(1, 0n, [{ offset: 0n, magic: 1, timestamp: 0, key: null, value: b('x') }]);
    const outer = legacyMessage({ offset: 0n, magic: 1, attributes: 1, timestamp: 0, key: null, value: gzipSync(nested) });
    await expect(decodeRecordBatches(outer)).rejects.toThrow(/nested/);
  });

  it('rejects a truncated message inside a wrapper', async () => {
    const inner = legacyMessage({ offset: 0n, magic: 1, timestamp: 0, key: null, value: b('xyz') });
    const outer = legacyMessage({ offset: 0n, magic: 1, attributes: 1, timestamp: 0, key: null, value: gzipSync(inner.subarray(0, 20)) });
    await expect(decodeRecordBatches(outer)).rejects.toBeInstanceOf(KafkaProtocolError);
  });
});

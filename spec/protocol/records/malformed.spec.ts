import { describe, expect, it } from 'vitest';
import { KafkaError, KafkaProtocolError } from '../../../src/errors.js';
import {
  crc32,
  crc32c,
  decodeRecordSet,
  decodeRecordSetSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  type DecodedRecordSet,
} from '../../../src/protocol/records/index.js';
import { gzipWrapper, legacyMessage } from './legacy-builders.js';
import { CODECS } from './arbitraries.js';

/** Deterministic xorshift32, so a failing case is reproducible from its index. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const INTERESTING_INT32 = [0, 1, -1, 0x7fffffff, -0x80000000, 48, 49, 61, 0xffff];

type Fix = (buf: Buffer) => void;

/** Mutates a valid input; `fix` re-seals checksums so mutations reach the parsers beyond them. */
function mutate(valid: Buffer, next: () => number, fix: Fix): Buffer {
  const kind = next() % 7;
  if (kind === 0) return valid.subarray(0, next() % valid.length);
  if (kind === 1) {
    const out = Buffer.allocUnsafe(next() % 120);
    for (let i = 0; i < out.length; i++) out[i] = next() & 0xff;
    if (out.length > 16 && next() % 2 === 0) {
      out.writeInt32BE(out.length - 12 - (next() % 3), 8);
      out[16] = next() % 3;
    }
    return out;
  }
  const out = Buffer.from(valid);
  if (kind === 2 || kind === 3) {
    const flips = 1 + (next() % 4);
    for (let i = 0; i < flips; i++) out[next() % out.length] ^= 1 << next() % 8;
  } else if (kind === 4 || kind === 5) {
    const at = next() % Math.max(1, out.length - 4);
    const pick = next() % (INTERESTING_INT32.length + 1);
    out.writeInt32BE(pick === INTERESTING_INT32.length ? next() | 0 : INTERESTING_INT32[pick], at);
  } else {
    // a single varint-ish byte set high: lengths and counts inside records
    out[next() % out.length] = 0x80 | (next() & 0x7f);
  }
  if (kind !== 3 && kind !== 5) fix(out);
  return out;
}

function fixV2(buf: Buffer): void {
  if (buf.length >= 61 && buf[16] === 2) buf.writeUInt32BE(crc32c(buf, 21), 17);
}

function fixLegacy(buf: Buffer): void {
  if (buf.length < 17) return;
  const size = buf.readInt32BE(8);
  if (size >= 5 && size <= buf.length - 12) buf.writeUInt32BE(crc32(buf, 16, 12 + size), 12);
}

/** Every key and value of an uncompressed decode is a view of the input: nothing copied. */
function assertViews(set: DecodedRecordSet, input: Buffer): void {
  for (const batch of set.batches) {
    if (batch.compression !== 'none') continue;
    for (const r of batch.records) {
      if (r.key !== null) expect(r.key.buffer).toBe(input.buffer);
      if (r.value !== null) expect(r.value.buffer).toBe(input.buffer);
    }
  }
}

async function decodeOrTypedError(input: Buffer): Promise<'ok' | 'error'> {
  try {
    let set: DecodedRecordSet;
    try {
      set = decodeRecordSetSync(input);
    } catch (err) {
      // a mutation that re-sealed a zstd codec id needs the async decoder
      if (err instanceof KafkaError && !(err instanceof KafkaProtocolError)) set = await decodeRecordSet(input);
      else throw err;
    }
    assertViews(set, input);
    expect(set.truncatedBytes).toBeLessThanOrEqual(input.length);
    return 'ok';
  } catch (err) {
    if (!(err instanceof KafkaProtocolError)) throw new Error(`non-protocol error: ${String(err)}`, { cause: err });
    return 'error';
  }
}

async function campaign(seeds: Buffer[], cases: number, fix: Fix, seed: number): Promise<{ ok: number; error: number }> {
  const next = rng(seed);
  const tally = { ok: 0, error: 0 };
  for (let i = 0; i < cases; i++) {
    const input = mutate(seeds[i % seeds.length], next, fix);
    tally[await decodeOrTypedError(input)]++;
  }
  return tally;
}

const CASES = 100_000;

describe('malformed input never escapes as anything but KafkaProtocolError', () => {
  it(`RecordBatch v2: ${CASES} mutated, truncated and random inputs`, async () => {
    const seeds = [
      encodeRecordBatchSync([{ key: 'k', value: 'value', headers: { h: 'x', i: 'yy' } }, { value: null }], { now: 1, baseOffset: 3 }),
      encodeRecordBatchSync([], { now: 1 }),
      encodeRecordBatchSync(
        Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.alloc(i * 3, i), headers: [['a', null]] as Array<[string, null]> })),
        { now: 5, producerId: 7n, transactional: true },
      ),
      encodeRecordBatchSync([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 5]) }], { control: true, now: 1 }),
    ];
    seeds.push(Buffer.concat([seeds[0], seeds[1]]));
    const tally = await campaign(seeds, CASES, fixV2, 0x2545f491);
    // both outcomes must be exercised, or the mutations are not reaching the parser
    expect(tally.ok).toBeGreaterThan(CASES / 20);
    expect(tally.error).toBeGreaterThan(CASES / 5);
  });

  it(`legacy MessageSet: ${CASES} mutated, truncated and random inputs`, async () => {
    const b = (s: string): Buffer => Buffer.from(s);
    const seeds = [
      legacyMessage({ offset: 1n, magic: 0, key: b('k'), value: b('v') }),
      legacyMessage({ offset: 2n, magic: 1, timestamp: 77, key: null, value: b('value') }),
      Buffer.concat([
        legacyMessage({ offset: 3n, magic: 1, timestamp: 1, key: b(''), value: null }),
        legacyMessage({ offset: 4n, magic: 1, timestamp: 2, key: b('x'), value: b('y') }),
      ]),
      gzipWrapper(1, 9n, [
        { offset: 0n, magic: 1, timestamp: 5, key: null, value: b('a') },
        { offset: 1n, magic: 1, timestamp: 6, key: b('b'), value: b('c') },
      ]),
    ];
    const tally = await campaign(seeds, CASES, fixLegacy, 0x9e3779b9);
    expect(tally.ok).toBeGreaterThan(CASES / 20);
    expect(tally.error).toBeGreaterThan(CASES / 5);
  });

  it('compressed RecordBatch v2: mutated payloads reach every decompressor', async () => {
    const records = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: 'some value '.repeat(i + 1) }));
    for (const codec of CODECS) {
      const seed = await encodeRecordBatch(records, { compression: codec, now: 1 });
      const tally = await campaign([seed], 2_000, fixV2, 0x1234567 + codec.length);
      expect(tally.error).toBeGreaterThan(100);
    }
  });
});

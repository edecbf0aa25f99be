import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/errors.js';
import { Reader } from '../../../src/protocol/primitives.js';
import { allApis, decodeRequestFrame, encodeRequestFrame, Metadata, Produce, Fetch } from '../../../src/protocol/messages/index.js';
import type { AnyApi, MessageDecl } from '../../../src/protocol/messages/index.js';
import { messageArb, versionsOf } from './arbitraries.js';

/** Deterministic xorshift32, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Target {
  decl: MessageDecl;
  version: number;
  decode: (version: number, r: Reader) => unknown;
  valid: Buffer[];
}

function targets(): Target[] {
  const out: Target[] = [];
  let seed = 1;
  for (const api of allApis as readonly AnyApi[]) {
    for (const [decl, encode, decode] of [
      [api.request, api.encodeRequest, api.decodeRequest],
      [api.response, api.encodeResponse, api.decodeResponse],
    ] as const) {
      for (const version of versionsOf(decl)) {
        const samples = fc.sample(messageArb(decl, version), { numRuns: 4, seed: seed++ });
        out.push({ decl, version, decode, valid: samples.map((s) => Buffer.from(encode(version, s))) });
      }
    }
  }
  return out;
}

/** Decodes and reports how it ended; anything but a value or a KafkaProtocolError fails the test. */
function attempt(t: Target, bytes: Buffer): 'value' | 'error' {
  try {
    t.decode(t.version, new Reader(bytes));
    return 'value';
  } catch (e) {
    if (e instanceof KafkaProtocolError) return 'error';
    throw new Error(`${t.decl.name} v${t.version} threw ${String(e)} on ${bytes.toString('hex')}`, { cause: e });
  }
}

describe('malformed input', () => {
  it('truncations, byte mutations and random bytes end in a value or a KafkaProtocolError', () => {
    const random = rng(0x5eed);
    const all = targets();
    let decodes = 0;
    let errors = 0;
    for (const t of all) {
      for (const valid of t.valid) {
        // Every strict prefix shorter than the whole (sampled when long).
        const step = Math.max(1, Math.floor(valid.length / 20));
        for (let n = 0; n < valid.length; n += step) {
          if (attempt(t, valid.subarray(0, n)) === 'error') errors++;
          decodes++;
        }
        // Mutations: 1-3 random bytes overwritten, biased towards length-like values.
        for (let i = 0; i < 24 && valid.length > 0; i++) {
          const m = Buffer.from(valid);
          const flips = 1 + Math.floor(random() * 3);
          for (let k = 0; k < flips; k++) {
            const at = Math.floor(random() * m.length);
            const choice = random();
            m[at] = choice < 0.3 ? 0xff : choice < 0.5 ? 0x7f : choice < 0.6 ? 0x80 : Math.floor(random() * 256);
          }
          if (attempt(t, m) === 'error') errors++;
          decodes++;
        }
      }
      // Random bytes of random length.
      for (let i = 0; i < 8; i++) {
        const b = Buffer.alloc(Math.floor(random() * 64));
        for (let k = 0; k < b.length; k++) b[k] = Math.floor(random() * 256);
        if (attempt(t, b) === 'error') errors++;
        decodes++;
      }
    }
    expect(decodes).toBeGreaterThanOrEqual(100_000);
    // Most broken inputs are caught; the rest decode to some (other) value, which is allowed.
    expect(errors).toBeGreaterThan(decodes / 2);
  });

  it('request frames with broken bodies come back with their header and a typed error', () => {
    const frame = encodeRequestFrame(Metadata, 1, 42, 'c', { topics: [{ name: 'abc' }] });
    const payload = frame.subarray(4);
    // The v1 header is 11 bytes (key, version, correlation id, client id "c").
    for (let n = 11; n < payload.length; n++) {
      const r = decodeRequestFrame(payload.subarray(0, n));
      expect(r.correlationId).toBe(42);
      if (!r.ok) expect(r.reason).toBe('malformed');
    }
    // A header too short to hold a correlation id cannot be answered at all.
    expect(() => decodeRequestFrame(payload.subarray(0, 5))).toThrow(KafkaProtocolError);
  });
});

describe('length limits', () => {
  it('an array count far above the input fails before allocating', () => {
    // Metadata v1 request: topics array of 2^31-1 elements, then nothing.
    const bytes = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 0x61]);
    expect(() => Metadata.decodeRequest(1, bytes)).toThrow(/array length 2147483647 above limit/);
    // Under the 64 MiB limit but above the 3 bytes in hand (each topic takes at least 2).
    const million = Buffer.from([0x00, 0x0f, 0x42, 0x40, 0, 1, 0x61]);
    expect(() => Metadata.decodeRequest(1, million)).toThrow(/array length 1000000 exceeds the 3 bytes remaining/);
    // Flexible: compact array count as a 5-byte varint.
    const compact = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0]);
    expect(() => Metadata.decodeRequest(12, compact)).toThrow(KafkaProtocolError);
  });

  it('elements are counted at their smallest encoded size, not one byte', () => {
    // 3 partitions need at least 3 * (4+2+8+...) bytes; 8 bytes of input are rejected at the count.
    const w = Buffer.from([0, 0, 0, 0, /* responses */ 0, 0, 0, 1, 0, 1, 0x74, /* partitions */ 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => Fetch.decodeResponse(1, w)).toThrow(/array length 3 exceeds/);
  });

  it('a string or bytes length above the input fails', () => {
    expect(() => Metadata.decodeRequest(1, Buffer.from([0, 0, 0, 1, 0x7f, 0xff, 0x61]))).toThrow(/string length 32767 exceeds/);
    // Produce v3: transactionalId null, acks, timeout, 1 topic "t", 1 partition 0, records length 2^31-1.
    const p = Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1]);
    expect(() => Produce.decodeRequest(3, p)).toThrow(/bytes length 2147483647 above limit/);
    p.writeInt32BE(5000, 23);
    expect(() => Produce.decodeRequest(3, p)).toThrow(/bytes length 5000 exceeds the 1 bytes remaining/);
  });

  it('records decode as a view of the input, not a copy', () => {
    const records = Buffer.from('a record batch would be here');
    const bytes = Produce.encodeRequest(3, { acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] });
    const decoded = Produce.decodeRequest(3, bytes);
    const got = decoded.topicData[0].partitionData[0].records as Buffer;
    expect(got.equals(records)).toBe(true);
    expect(got.buffer).toBe(bytes.buffer);
    const res = Fetch.encodeResponse(11, { responses: [{ topic: 't', partitions: [{ records }] }] });
    const out = Fetch.decodeResponse(11, res).responses[0].partitions[0].records as Buffer;
    expect(out.buffer).toBe(res.buffer);
  });
});

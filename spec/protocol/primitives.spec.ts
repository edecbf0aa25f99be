import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../src/errors.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';

/** One primitive: an arbitrary of its values, how to write one, how to read it back. */
interface Kind<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  write: (w: Writer, v: T) => void;
  read: (r: Reader) => T;
}

const kind = <T>(k: Kind<T>): Kind<unknown> => k as Kind<unknown>;
const bytesArb: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const int64Arb = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const kinds: Kind<unknown>[] = [
  kind({ name: 'int8', arb: fc.integer({ min: -128, max: 127 }), write: (w, v) => w.int8(v), read: (r) => r.int8() }),
  kind({ name: 'bool', arb: fc.boolean(), write: (w, v) => w.bool(v), read: (r) => r.bool() }),
  kind({ name: 'int16', arb: fc.integer({ min: -32768, max: 32767 }), write: (w, v) => w.int16(v), read: (r) => r.int16() }),
  kind({ name: 'uint16', arb: fc.integer({ min: 0, max: 65535 }), write: (w, v) => w.uint16(v), read: (r) => r.uint16() }),
  kind({ name: 'int32', arb: fc.integer(), write: (w, v) => w.int32(v), read: (r) => r.int32() }),
  kind({ name: 'uint32', arb: fc.nat({ max: 0xffffffff }), write: (w, v) => w.uint32(v), read: (r) => r.uint32() }),
  kind({ name: 'int64', arb: int64Arb, write: (w, v) => w.int64(v), read: (r) => r.int64() }),
  kind({
    name: 'int64 from a safe number',
    arb: fc.maxSafeInteger(),
    write: (w, v) => w.int64(v),
    read: (r) => r.int64Number(),
  }),
  kind({ name: 'float64', arb: fc.double({ noNaN: true }), write: (w, v) => w.float64(v), read: (r) => r.float64() }),
  kind({ name: 'uvarint', arb: fc.nat({ max: 0xffffffff }), write: (w, v) => w.uvarint(v), read: (r) => r.uvarint() }),
  kind({ name: 'varint', arb: fc.integer(), write: (w, v) => w.varint(v), read: (r) => r.varint() }),
  kind({ name: 'varlong (bigint)', arb: int64Arb, write: (w, v) => w.varlong(v), read: (r) => r.varlongBig() }),
  kind({ name: 'varlong (number)', arb: fc.maxSafeInteger(), write: (w, v) => w.varlong(v), read: (r) => r.varlong() }),
  kind({ name: 'uuid', arb: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a): Buffer => Buffer.from(a)), write: (w, v) => w.uuid(v), read: (r) => r.uuid() }),
  kind({ name: 'string', arb: fc.option(fc.string({ unit: 'grapheme', maxLength: 100 })), write: (w, v) => w.string(v), read: (r) => r.string() }),
  kind({
    name: 'compact string',
    arb: fc.option(fc.string({ unit: 'grapheme', maxLength: 100 })),
    write: (w, v) => w.compactString(v),
    read: (r) => r.compactString(),
  }),
  kind({ name: 'bytes', arb: fc.option(bytesArb), write: (w, v) => w.bytes(v), read: (r) => r.bytes() }),
  kind({ name: 'compact bytes', arb: fc.option(bytesArb), write: (w, v) => w.compactBytes(v), read: (r) => r.compactBytes() }),
  kind({ name: 'varint bytes', arb: fc.option(bytesArb), write: (w, v) => w.varintBytes(v), read: (r) => r.varintBytes() }),
  kind({
    name: 'array length',
    arb: fc.option(fc.nat({ max: 50 })),
    write: (w, v) => {
      w.arrayLength(v);
      for (let i = 0; i < (v ?? 0); i++) w.int8(0);
    },
    read: (r) => {
      const n = r.arrayLength();
      for (let i = 0; i < (n ?? 0); i++) r.int8();
      return n;
    },
  }),
  kind({
    name: 'compact array length',
    arb: fc.option(fc.nat({ max: 50 })),
    write: (w, v) => {
      w.compactArrayLength(v);
      for (let i = 0; i < (v ?? 0); i++) w.int8(0);
    },
    read: (r) => {
      const n = r.compactArrayLength();
      for (let i = 0; i < (n ?? 0); i++) r.int8();
      return n;
    },
  }),
  kind({
    name: 'tagged fields',
    arb: fc.uniqueArray(fc.nat({ max: 1000 }), { maxLength: 5 }).chain((tags) =>
      fc.tuple(...tags.sort((a, b) => a - b).map((t) => fc.tuple(fc.constant(t), bytesArb))),
    ),
    write: (w, v) => w.taggedFields(v),
    read: (r) => [...r.taggedFields()],
  }),
];

const normalise = (v: unknown): unknown =>
  Buffer.isBuffer(v) ? v.toString('hex') : Array.isArray(v) ? v.map(normalise) : Object.is(v, -0) ? 0 : v;

describe('primitives', () => {
  for (const k of kinds) {
    it(`round-trips ${k.name}, consuming exactly what was written`, () => {
      fc.assert(
        fc.property(fc.array(k.arb, { minLength: 1, maxLength: 5 }), (values) => {
          const w = new Writer(1);
          for (const v of values) k.write(w, v);
          const buf = Buffer.from(w.toBuffer());
          const r = new Reader(buf);
          const back = values.map(() => k.read(r));
          expect(back.map(normalise)).toEqual(values.map(normalise));
          expect(r.remaining).toBe(0);
        }),
      );
    });

    it(`reads a truncated ${k.name} as a KafkaProtocolError at a byte offset`, () => {
      fc.assert(
        fc.property(k.arb, fc.nat(), (value, cut) => {
          const w = new Writer();
          k.write(w, value);
          const full = Buffer.from(w.toBuffer());
          if (full.length === 0) return;
          const short = full.subarray(0, cut % full.length);
          const error = (() => {
            try {
              k.read(new Reader(short));
              return undefined;
            } catch (e) {
              return e;
            }
          })();
          // Some prefixes are complete values of their own (a shorter array count, say): then no error.
          if (error !== undefined) {
            expect(error).toBeInstanceOf(KafkaProtocolError);
            expect((error as KafkaProtocolError).offset).toBeLessThanOrEqual(short.length);
          }
        }),
      );
    });
  }

  it('matches known encodings of varints from the record format guide', () => {
    const enc = (v: number) => Buffer.from(new Writer().varint(v).toBuffer()).toString('hex');
    expect([0, -1, 1, -2, 63, -64, 64, 300].map(enc)).toEqual(['00', '01', '02', '03', '7e', '7f', '8001', 'd804']);
    expect(Buffer.from(new Writer().uvarint(0xffffffff).toBuffer()).toString('hex')).toBe('ffffffff0f');
    expect(Buffer.from(new Writer().varlong(-(2n ** 63n)).toBuffer()).toString('hex')).toBe('ffffffffffffffffff01');
  });

  it('refuses a declared length beyond what remains, before allocating', () => {
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
    expect(() => new Reader(huge, 0, huge.length, { maxLength: 2 ** 31 }).bytes()).toThrow(/exceeds the 3 bytes remaining/);
    expect(() => new Reader(huge).bytes()).toThrow(KafkaProtocolError);
    expect(() => new Reader(huge).arrayLength()).toThrow(KafkaProtocolError);
    const compact = Buffer.from(new Writer().uvarint(0x7ffffff0).raw(Buffer.from([1, 2])).toBuffer());
    expect(() => new Reader(compact).compactBytes()).toThrow(KafkaProtocolError);
    expect(() => new Reader(compact).compactArrayLength()).toThrow(KafkaProtocolError);
  });

  it('refuses a length above the configured limit even when the bytes are there', () => {
    const buf = Buffer.from(new Writer().bytes(Buffer.alloc(100)).toBuffer());
    expect(() => new Reader(buf, 0, buf.length, { maxLength: 99 }).bytes()).toThrow(/above limit 99/);
    expect(new Reader(buf, 0, buf.length, { maxLength: 100 }).bytes()?.length).toBe(100);
  });

  it('refuses over-long varints, negative lengths and out-of-order tags', () => {
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).uvarint()).toThrow(/longer than 5/);
    expect(() => new Reader(Buffer.alloc(11, 0xff)).varlongBig()).toThrow(/longer than 10/);
    expect(() => new Reader(Buffer.from([0xff, 0xfe])).string()).toThrow(/negative string length/);
    const tags = Buffer.from(new Writer().uvarint(2).uvarint(5).uvarint(0).uvarint(3).uvarint(0).toBuffer());
    expect(() => new Reader(tags).taggedFields()).toThrow(/out of order/);
  });

  it('decodes random bytes as values or typed errors, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const k of kinds) {
          try {
            k.read(new Reader(bytes));
          } catch (e) {
            expect(e).toBeInstanceOf(KafkaProtocolError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

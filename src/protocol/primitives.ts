import { KafkaProtocolError } from '../errors.js';

/**
 * Kafka's primitive types, classic and flexible (compact) forms.
 * The Writer grows one buffer; the Reader walks one buffer and never allocates more than
 * the bytes it has in hand: every length is checked against what remains and a limit first.
 */

const INT32_MAX = 0x7fffffff;
const TWO_32 = 4294967296;
const TWO_52 = 2 ** 52;
const textEncoder = new TextEncoder();

export interface ReaderOptions {
  /** Largest string/bytes/array length accepted; default 64 MiB. */
  maxLength?: number;
}

export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** Ensure `n` more bytes fit. */
  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view, not a copy). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === 'number') {
      // Split without BigInt: the common case (offsets, timestamps) is a safe integer.
      const hi = Math.floor(v / TWO_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    } else {
      this.buf.writeBigInt64BE(v, this.pos);
    }
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** Unsigned LEB128 of a 32-bit value. */
  uvarint(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    while (x > 0x7f) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  /** Zigzag varint of a signed 32-bit value. */
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }

  /** Zigzag varlong of a signed 64-bit value. */
  varlong(v: bigint | number): this {
    if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= TWO_52) {
      this.ensure(10);
      // zigzag with arithmetic: 2v for v >= 0, -2v - 1 for v < 0 (exact while |v| <= 2^52)
      let z = v >= 0 ? v * 2 : -v * 2 - 1;
      while (z >= 0x80) {
        this.buf[this.pos++] = (z % 0x80) | 0x80;
        z = Math.floor(z / 0x80);
      }
      this.buf[this.pos++] = z;
      return this;
    }
    const b = BigInt.asIntN(64, BigInt(v));
    let z = BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
    this.ensure(10);
    while (z > 0x7fn) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
    return this;
  }

  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new RangeError('uuid must be 16 bytes');
    return this.raw(v);
  }

  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** A string as UTF-8 without prefix; returns bytes written. */
  private utf8(v: string): number {
    this.ensure(v.length * 3);
    const n = this.buf.write(v, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const len = Buffer.byteLength(v, 'utf8');
    if (len > 0x7fff) throw new RangeError('string longer than 32767 bytes');
    this.int16(len);
    this.utf8(v);
    return this;
  }

  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(Buffer.byteLength(v, 'utf8') + 1);
    this.utf8(v);
    return this;
  }

  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }

  compactBytes(v: Uint8Array | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(v.length + 1);
    return this.raw(v);
  }

  /** Varint-length bytes as in records and headers; -1 for null. */
  varintBytes(v: Uint8Array | null): this {
    if (v === null) return this.varint(-1);
    this.varint(v.length);
    return this.raw(v);
  }

  arrayLength(n: number | null): this {
    return this.int32(n === null ? -1 : n);
  }

  compactArrayLength(n: number | null): this {
    return this.uvarint(n === null ? 0 : n + 1);
  }

  /** Tagged fields section of a flexible version: count, then (tag, size, data) sorted by tag. */
  taggedFields(fields: ReadonlyArray<readonly [number, Uint8Array]> = []): this {
    this.uvarint(fields.length);
    for (const [tag, data] of fields) {
      this.uvarint(tag);
      this.uvarint(data.length);
      this.raw(data);
    }
    return this;
  }

  /** Reserve `n` bytes to fill later with a patch; returns their position. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  patchUInt32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /** Direct view of a written range, for checksums over what was just written. */
  slice(from: number, to = this.pos): Buffer {
    return this.buf.subarray(from, to);
  }
}

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;
  private readonly maxLength: number;

  constructor(buf: Uint8Array, offset = 0, end = buf.length, options: ReaderOptions = {}) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
    this.end = end;
    this.maxLength = options.maxLength ?? 64 * 1024 * 1024;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** A reader over the next `n` bytes, sharing the buffer; advances this one past them. */
  sub(n: number): Reader {
    this.need(n, 'sub-message');
    const r = new Reader(this.buf, this.offset, this.offset + n, { maxLength: this.maxLength });
    this.offset += n;
    return r;
  }

  fail(message: string, at = this.offset): never {
    throw new KafkaProtocolError(message, at);
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.offset) {
      this.fail(`truncated ${what}: need ${n} bytes, ${this.end - this.offset} remain`);
    }
  }

  /** Validate a decoded length before anything is allocated for it. */
  private checkLength(len: number, what: string, minBytesEach = 1): void {
    if (len > this.maxLength) this.fail(`${what} length ${len} above limit ${this.maxLength}`);
    if (len * minBytesEach > this.end - this.offset) {
      this.fail(`${what} length ${len} exceeds the ${this.end - this.offset} bytes remaining`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.offset++];
  }

  bool(): boolean {
    return this.uint8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** int64 as a number; exact while |v| <= 2^53 (timestamps, most offsets). */
  int64Number(): number {
    this.need(8, 'int64');
    const hi = this.buf.readInt32BE(this.offset);
    const lo = this.buf.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return hi * TWO_32 + lo;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    const start = this.offset;
    for (;;) {
      if (this.offset >= this.end) this.fail('truncated varint', start);
      const b = this.buf[this.offset++];
      if (shift === 28) {
        if (b > 0x0f) this.fail('varint longer than 5 bytes', start);
        return (result | (b << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }

  /** Zigzag varlong as a number when it fits exactly, else a bigint. */
  varlong(): number {
    const start = this.offset;
    let z = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.offset >= this.end) this.fail('truncated varlong', start);
      if (i === 10) this.fail('varlong longer than 10 bytes', start);
      const b = this.buf[this.offset++];
      z += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    if (z > Number.MAX_SAFE_INTEGER) {
      this.offset = start;
      return Number(this.varlongBig());
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  varlongBig(): bigint {
    const start = this.offset;
    let z = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (this.offset >= this.end) this.fail('truncated varlong', start);
      if (i === 10) this.fail('varlong longer than 10 bytes', start);
      const b = this.buf[this.offset++];
      z |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    z = BigInt.asUintN(64, z);
    return BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  }

  uuid(): Buffer {
    return this.raw(16);
  }

  /** The next `n` bytes as a view into the input (no copy). */
  raw(n: number): Buffer {
    this.need(n, 'bytes');
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  private utf8(n: number): string {
    const v = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  string(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) this.fail(`negative string length ${len}`, this.offset - 2);
    this.checkLength(len, 'string');
    return this.utf8(len);
  }

  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkLength(n - 1, 'compact string');
    return this.utf8(n - 1);
  }

  bytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) this.fail(`negative bytes length ${len}`, this.offset - 4);
    this.checkLength(len, 'bytes');
    return this.raw(len);
  }

  compactBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkLength(n - 1, 'compact bytes');
    return this.raw(n - 1);
  }

  varintBytes(): Buffer | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < 0) this.fail(`negative varint bytes length ${len}`);
    this.checkLength(len, 'bytes');
    return this.raw(len);
  }

  /** An array count, checked against the bytes left (each element takes at least `minBytesEach`). */
  arrayLength(minBytesEach = 1): number | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) this.fail(`negative array length ${n}`, this.offset - 4);
    this.checkLength(n, 'array', minBytesEach);
    return n;
  }

  compactArrayLength(minBytesEach = 1): number | null {
    const n = this.uvarint();
    if (n === 0) return null;
    if (n - 1 > INT32_MAX) this.fail(`array length ${n - 1} out of range`);
    this.checkLength(n - 1, 'compact array', minBytesEach);
    return n - 1;
  }

  /**
   * Tagged fields section: returns raw data per tag, so callers decode the tags they know and
   * keep the rest. Tags must be strictly increasing, as the protocol requires.
   */
  taggedFields(): Map<number, Buffer> {
    const count = this.uvarint();
    this.checkLength(count, 'tagged fields', 2);
    const out = new Map<number, Buffer>();
    let last = -1;
    for (let i = 0; i < count; i++) {
      const at = this.offset;
      const tag = this.uvarint();
      if (tag <= last) this.fail(`tagged field ${tag} out of order`, at);
      last = tag;
      const size = this.uvarint();
      this.checkLength(size, 'tagged field');
      out.set(tag, this.raw(size));
    }
    return out;
  }

  /** Varint record/header count, checked like an array. */
  varintCount(minBytesEach = 1): number {
    const n = this.varint();
    if (n < 0) this.fail(`negative count ${n}`);
    this.checkLength(n, 'count', minBytesEach);
    return n;
  }
}

/** Bytes of a UTF-8 string, shared helper for key/value normalisation. */
export function utf8Bytes(s: string): Uint8Array {
  return textEncoder.encode(s);
}

import { KafkaProtocolError } from '../../errors.js';

/**
 * A bounds-checked position in a buffer for the record hot path. Unlike the general Reader,
 * its end moves (to each record's declared end), so one cursor walks a whole batch with no
 * allocation per record. `at` maps positions to the caller's input for error offsets.
 */
export class RecordCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    readonly at: number,
  ) {}

  fail(message: string, pos = this.pos): never {
    throw new KafkaProtocolError(message, this.at + pos);
  }

  uint8(): number {
    if (this.pos >= this.end) this.fail('truncated record');
    return this.buf[this.pos++];
  }

  /** Zigzag varint of at most 5 bytes. */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let b: number;
    if (pos >= end) this.fail('truncated varint');
    b = buf[pos++];
    let u = b & 0x7f;
    if (b & 0x80) {
      let shift = 7;
      for (;;) {
        if (pos >= end) this.fail('truncated varint', this.pos);
        b = buf[pos++];
        if (shift === 28) {
          if (b > 0x0f) this.fail('varint longer than 5 bytes', this.pos);
          u |= b << 28;
          break;
        }
        u |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7;
      }
    }
    this.pos = pos;
    u >>>= 0;
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag varlong of at most 10 bytes, as a number (timestamp deltas fit exactly). */
  varlong(): number {
    const buf = this.buf;
    let pos = this.pos;
    let z = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= this.end) this.fail('truncated varlong', this.pos);
      if (i === 10) this.fail('varlong longer than 10 bytes', this.pos);
      const b = buf[pos++];
      z += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    this.pos = pos;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Varint-length bytes as a view into the buffer; -1 is null. */
  bytes(): Buffer | null {
    const start = this.pos;
    const len = this.varint();
    if (len === -1) return null;
    if (len < 0) this.fail(`negative length ${len}`, start);
    if (len > this.end - this.pos) this.fail(`length ${len} exceeds the ${this.end - this.pos} bytes remaining`, start);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** Varint-length UTF-8 string (header keys, never null). */
  string(): string {
    const start = this.pos;
    const len = this.varint();
    if (len < 0) this.fail(`bad header key length ${len}`, start);
    if (len > this.end - this.pos) this.fail(`length ${len} exceeds the ${this.end - this.pos} bytes remaining`, start);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

/**
 * Varint sizing and writing straight into a pre-sized Buffer: the encoder computes every size
 * first, then writes each byte exactly once, so these take (buf, pos) and return the new pos.
 */

/** Zigzag of a signed 32-bit value. */
export function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

/** Bytes of an unsigned varint of `u` (0 <= u < 2^53). */
export function uvarintSize(u: number): number {
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  let n = 5;
  let x = Math.floor(u / 0x800000000);
  while (x > 0) {
    n++;
    x = Math.floor(x / 0x80);
  }
  return n;
}

/** Bytes of a zigzag varint of a signed 32-bit value. */
export function varintSize(v: number): number {
  return uvarintSize(zigzag32(v));
}

/** Zigzag of a signed safe integer, as a non-negative safe integer (exact below 2^52). */
export function zigzag64(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function writeUVarint(buf: Buffer, pos: number, u: number): number {
  let x = u;
  if (x < 0x80000000) {
    while (x > 0x7f) {
      buf[pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
  } else {
    while (x >= 0x80) {
      buf[pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
  }
  buf[pos++] = x;
  return pos;
}

export function writeVarint(buf: Buffer, pos: number, v: number): number {
  return writeUVarint(buf, pos, zigzag32(v));
}

/** Writes a bigint or number as a big-endian int64. */
export function writeInt64(buf: Buffer, pos: number, v: bigint | number): void {
  if (typeof v === 'bigint') {
    buf.writeBigInt64BE(v, pos);
    return;
  }
  const hi = Math.floor(v / 4294967296);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(v - hi * 4294967296, pos + 4);
}

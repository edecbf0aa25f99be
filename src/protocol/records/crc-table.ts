/**
 * Slicing-by-8 tables for a reflected CRC-32 polynomial. One 8 KiB table set per polynomial,
 * built once at module load: eight lookups per 8 input bytes instead of one per byte.
 */
export function buildSlicingTables(reflectedPoly: number): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + n] = c;
    }
  }
  return t;
}

/** Feed `buf[start, end)` into a running (pre-inverted) CRC state using slicing-by-8 tables. */
export function crcUpdate(t: Int32Array, state: number, buf: Uint8Array, start: number, end: number): number {
  let c = state;
  let i = start;
  const stop8 = end - ((end - start) & 7);
  while (i < stop8) {
    const a = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
    i += 8;
  }
  while (i < end) c = t[(c ^ buf[i++]) & 0xff] ^ (c >>> 8);
  return c;
}

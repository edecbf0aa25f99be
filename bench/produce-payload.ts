/**
 * The one payload every client in the produce bench sends: record i is 100 printable bytes,
 * "i:" followed by a filler that varies with i, so no value repeats and lz4 finds only the
 * redundancy a real text payload has. The node clients build it in memory chunk by chunk; kcat
 * reads the same values as lines of a file.
 */
import { openSync, writeSync, closeSync } from 'node:fs';

export const VALUE_BYTES = 100;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The filler depends on i only through i mod 36. TEMPLATE holds rows 0..35 repeated, long
 * enough that any run of CHUNK consecutive records is one contiguous slice of it, so a chunk is
 * one memcpy plus its "i:" prefixes written byte by byte: generating input stays a small share
 * of a node client's window (kcat only reads its file).
 */
const CHUNK = 10_000;
const TEMPLATE = (() => {
  const rows = CHUNK + ALPHABET.length;
  const t = Buffer.allocUnsafe(rows * VALUE_BYTES);
  const period = ALPHABET.length * VALUE_BYTES;
  for (let k = 0; k < ALPHABET.length; k++) {
    for (let j = 0; j < VALUE_BYTES; j++) t[k * VALUE_BYTES + j] = ALPHABET.charCodeAt((k * 7 + j * 13) % ALPHABET.length);
  }
  // the rest repeats the first period (built once: this runs at every client's start-up)
  for (let at = period; at < t.length; at += period) t.copy(t, at, 0, Math.min(period, t.length - at));
  return t;
})();

/** Writes "i:" (decimal) at `at`, without making a string. */
function writePrefix(slab: Buffer, at: number, i: number): void {
  let digits = 1;
  for (let n = i; n >= 10; n = Math.floor(n / 10)) digits++;
  let n = i;
  for (let d = digits - 1; d >= 0; d--) {
    slab[at + d] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  slab[at + digits] = 0x3a;
}

/**
 * Values of records start..start+count-1, as views into one slab: `into` when given (the caller
 * knows its earlier values are no longer in use), else a new one.
 */
export function valueChunk(start: number, count: number, into?: Buffer): Buffer[] {
  const slab = into !== undefined && into.length >= count * VALUE_BYTES ? into : Buffer.allocUnsafe(count * VALUE_BYTES);
  const out = new Array<Buffer>(count);
  for (let base = 0; base < count; base += CHUNK) {
    const n = Math.min(CHUNK, count - base);
    const from = ((start + base) % ALPHABET.length) * VALUE_BYTES;
    TEMPLATE.copy(slab, base * VALUE_BYTES, from, from + n * VALUE_BYTES);
  }
  for (let k = 0; k < count; k++) {
    const at = k * VALUE_BYTES;
    writePrefix(slab, at, start + k);
    out[k] = slab.subarray(at, at + VALUE_BYTES);
  }
  return out;
}

/** The same values, one per line, for `kcat -P -l file`. */
export function writePayloadFile(path: string, records: number): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = 10_000;
    for (let start = 0; start < records; start += chunk) {
      const count = Math.min(chunk, records - start);
      const values = valueChunk(start, count);
      const lines = Buffer.allocUnsafe(count * (VALUE_BYTES + 1));
      values.forEach((v, k) => {
        v.copy(lines, k * (VALUE_BYTES + 1));
        lines[k * (VALUE_BYTES + 1) + VALUE_BYTES] = 0x0a;
      });
      writeSync(fd, lines);
    }
  } finally {
    closeSync(fd);
  }
}

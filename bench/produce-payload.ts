/**
 * The one payload every client in the produce bench sends: record i is 100 printable bytes,
 * "i:" followed by a filler that varies with i, so no value repeats and lz4 finds only the
 * redundancy a real text payload has. The node clients build it in memory chunk by chunk; kcat
 * reads the same values as lines of a file.
 */
import { openSync, writeSync, closeSync } from 'node:fs';

export const VALUE_BYTES = 100;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The filler depends on i only through i mod 36: build those 36 rows once. */
const ROWS: Buffer[] = Array.from({ length: ALPHABET.length }, (_, r) => {
  const row = Buffer.alloc(VALUE_BYTES);
  for (let j = 0; j < VALUE_BYTES; j++) row[j] = ALPHABET.charCodeAt((r * 7 + j * 13) % ALPHABET.length);
  return row;
});

/** Values of records start..start+count-1, as views into one slab (one allocation per chunk). */
export function valueChunk(start: number, count: number): Buffer[] {
  const slab = Buffer.allocUnsafe(count * VALUE_BYTES);
  const out = new Array<Buffer>(count);
  for (let k = 0; k < count; k++) {
    const i = start + k;
    const at = k * VALUE_BYTES;
    ROWS[i % ROWS.length].copy(slab, at);
    slab.write(`${i}:`, at, 'latin1');
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

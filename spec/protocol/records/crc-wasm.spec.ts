import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c } from '../../../src/protocol/records/index.js';
import { buildSlicingTables, crcUpdate } from '../../../src/protocol/records/crc-table.js';
import { wasmCrcUpdate } from '../../../src/protocol/records/crc-wasm.js';

const TABLES = buildSlicingTables(0x82f63b78);
const wasm = wasmCrcUpdate(TABLES);

describe('CRC-32C in WebAssembly', () => {
  it('is available on this runtime', () => {
    expect(wasm).not.toBeNull();
  });

  it('gives the check value for "123456789" (tail loop only)', () => {
    expect(((wasm?.(-1, Buffer.from('123456789'), 0, 9) ?? 0) ^ -1) >>> 0).toBe(0xe3069283);
  });

  it('agrees with the JS loop across block, threshold and window boundaries, at any alignment', () => {
    const big = Buffer.alloc(3 * 65536 + 100);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 13;
    for (const n of [0, 1, 15, 16, 17, 511, 512, 513, 4096, 65535, 65536, 65537, 2 * 65536 + 3, 3 * 65536 + 90]) {
      for (const start of [0, 1, 3, 7]) {
        const end = Math.min(big.length, start + n);
        expect(wasm?.(-1, big, start, end)).toBe(crcUpdate(TABLES, -1, big, start, end));
        expect(crc32c(big, start, end)).toBe((crcUpdate(TABLES, -1, big, start, end) ^ -1) >>> 0);
      }
    }
  });

  it('agrees with the JS loop on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 400, maxLength: 5000 }), fc.nat(31), (data, skip) => {
        const start = Math.min(skip, data.length);
        expect(wasm?.(-1, data, start, data.length)).toBe(crcUpdate(TABLES, -1, data, start, data.length));
      }),
      { numRuns: 200 },
    );
  });
});

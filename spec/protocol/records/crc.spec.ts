import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32c } from '../../../src/protocol/records/index.js';

/** Bit-at-a-time reference: no tables, so it checks the slicing tables independently. */
function bitwise(poly: number, buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('CRC-32C', () => {
  it('matches the RFC 3720 B.4 iSCSI vectors', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    expect(crc32c(descending)).toBe(0x113fdb5c);
  });

  it('gives the check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('covers exactly [start, end)', () => {
    const buf = Buffer.concat([Buffer.from('xx'), Buffer.from('123456789'), Buffer.from('yyy')]);
    expect(crc32c(buf, 2, 11)).toBe(0xe3069283);
  });

  it('agrees with a bitwise reference at every length and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(7), (data, skip) => {
        const start = Math.min(skip, data.length);
        expect(crc32c(data, start)).toBe(bitwise(0x82f63b78, data.subarray(start)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('CRC-32 (IEEE)', () => {
  it('gives the check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with a bitwise reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(crc32(data)).toBe(bitwise(0xedb88320, data));
      }),
      { numRuns: 500 },
    );
  });
});

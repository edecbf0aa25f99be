import { describe, expect, it } from 'vitest';
import { safeBigInt } from '../../src/protocol/safe-bigint.js';
import { seeded } from '../support/seeded.js';

describe('safeBigInt', () => {
  it('is BigInt(n) for every safe integer: the edges of each 32-bit half, and 10,000 drawn at random', () => {
    const edges = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32), 2 ** 52, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const random = seeded(7);
    const drawn = Array.from({ length: 10_000 }, () => Math.floor((random() * 2 - 1) * Number.MAX_SAFE_INTEGER));
    for (const n of [...edges, ...drawn]) expect(safeBigInt(n)).toBe(BigInt(n));
  });

  it('gives a new value each time, not a view of its slot', () => {
    const a = safeBigInt(5);
    const b = safeBigInt(6);
    expect([a, b]).toEqual([5n, 6n]);
  });
});

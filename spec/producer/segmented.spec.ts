import { describe, expect, it } from 'vitest';
import { Segmented } from '../../src/producer/segmented.js';

describe('Segmented', () => {
  it('keeps items by absolute position across segments, and lets go of whole segments before a position', () => {
    const s = new Segmented<number>();
    for (let i = 0; i < 10_000; i++) s.push(i);
    expect(s.length).toBe(10_000);
    expect([s.get(0), s.get(4095), s.get(4096), s.get(9999), s.get(10_000)]).toEqual([0, 4095, 4096, 9999, undefined]);
    s.set(5000, -1);
    s.set(10_000, 7); // past the end: ignored
    expect([s.get(5000), s.length]).toEqual([-1, 10_000]);
    s.dropBefore(8200); // the first two segments (0..8191) go; 8192.. stay
    expect([s.get(8191), s.get(8192), s.get(9999)]).toEqual([undefined, 8192, 9999]);
    s.push(10_000);
    expect([s.get(10_000), s.length]).toEqual([10_000, 10_001]);
  });
});

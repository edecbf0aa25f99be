import { describe, expect, it } from 'vitest';
import { FlushEpochs } from '../../src/producer/flush-epochs.js';

describe('FlushEpochs', () => {
  it('knows the oldest epoch with records out, across advances', () => {
    const e = new FlushEpochs();
    expect(e.oldest()).toBe(Infinity);
    e.count(e.current, 3);
    const first = e.advance();
    expect(first).toBe(0);
    e.count(e.current, 2);
    expect(e.total).toBe(5);
    expect(e.oldest()).toBe(0);
    expect(e.uncount(0, 2)).toBe(false);
    expect(e.uncount(0, 1)).toBe(true);
    expect(e.oldest()).toBe(1);
    expect(e.uncount(1, 2)).toBe(true);
    expect(e.oldest()).toBe(Infinity);
    expect(e.total).toBe(0);
  });

  it('counts records of a closed epoch against that epoch, not the newest', () => {
    const e = new FlushEpochs();
    const closed = e.advance();
    e.count(closed, 4);
    e.count(e.current, 1);
    expect(e.oldest()).toBe(closed);
    expect(e.uncount(e.current, 1)).toBe(true);
    expect(e.oldest()).toBe(closed);
    expect(e.uncount(closed, 4)).toBe(true);
    expect(e.oldest()).toBe(Infinity);
  });

  it('an epoch closed with nothing out is not waited for', () => {
    const e = new FlushEpochs();
    e.advance();
    e.advance();
    expect(e.oldest()).toBe(Infinity);
    e.count(e.current, 1);
    expect(e.oldest()).toBe(2);
  });
});

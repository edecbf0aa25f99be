import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { burstClock } from '../src/clock.js';

describe('burstClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('on the real-time scheduler, reads the time once per run of calls, for at most 256 calls', () => {
    let t = 1000;
    vi.spyOn(Date, 'now').mockImplementation(() => t++);
    const clock = burstClock(asyncScheduler);
    const seen = Array.from({ length: 600 }, () => clock());
    expect(seen.slice(0, 256).every((v) => v === 1000)).toBe(true);
    expect(seen[256]).toBe(1001);
    expect(seen[511]).toBe(1001);
    expect(seen[512]).toBe(1002);
  });

  it('reads afresh once the synchronous run is over', async () => {
    let t = 1000;
    vi.spyOn(Date, 'now').mockImplementation(() => t++);
    const clock = burstClock(asyncScheduler);
    expect(clock()).toBe(1000);
    expect(clock()).toBe(1000);
    await Promise.resolve();
    expect(clock()).toBe(1001);
  });

  it('asks any other scheduler every time (virtual time moves between calls)', () => {
    const ts = new TestScheduler(() => undefined);
    const clock = burstClock(ts);
    const seen: number[] = [];
    ts.schedule(() => seen.push(clock()), 0);
    ts.schedule(() => seen.push(clock()), 5);
    ts.schedule(() => seen.push(clock()), 9);
    ts.flush();
    expect(seen).toEqual([0, 5, 9]);
  });
});

import type { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { createMarbleScheduler } from '../../src/testing/index.js';

/** A TestScheduler whose frame comparisons are vitest assertions (errors compared by value). */
export function createTestScheduler(): TestScheduler {
  return createMarbleScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

import { TestScheduler } from 'rxjs/testing';

/**
 * A TestScheduler that compares frames with the given deep-equality assertion, so marble
 * tests read the same under vitest, jest or node:assert:
 * `createMarbleScheduler((a, e) => expect(a).toEqual(e))`.
 */
export function createMarbleScheduler(assertDeepEqual: (actual: unknown, expected: unknown) => void): TestScheduler {
  return new TestScheduler(assertDeepEqual);
}

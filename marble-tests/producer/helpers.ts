import { map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { ProducerRecord } from '../../src/producer/record.js';
import type { FakeProduceCall } from '../../spec/support/fake-cluster-client.js';

export { createTestScheduler } from '../operators/test-scheduler.js';

/** A record of `value` for topic t, partition `partition`, carrying `context`. */
export const rec = (value: string, partition: number, context?: unknown): ProducerRecord => ({
  topic: 't',
  value,
  partition,
  ...(context === undefined ? {} : { context }),
});

/** A value whose record takes exactly `size` bytes of bufferMemory (no key, no headers). */
export const valueOfSize = (size: number, fill = 'x'): string => fill.repeat(size - 21);

/** What a Produce request carried, in a form marbles can compare: `topic/partition: values`. */
export const requestShape = (call: FakeProduceCall): string[] =>
  call.batches.map((b) => `${b.topic}/${b.partition}: ${b.values.join(',')}`);

export const shapes = (calls$: Observable<FakeProduceCall>): Observable<string[]> => calls$.pipe(map(requestShape));

/** A promise's outcome, readable synchronously once microtasks have run. */
export interface Outcome<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
}

export function track<T>(promise: Promise<T>): Outcome<T> {
  const outcome: Outcome<T> = { state: 'pending' };
  promise.then(
    (value) => {
      outcome.state = 'fulfilled';
      outcome.value = value;
    },
    (error: unknown) => {
      outcome.state = 'rejected';
      outcome.error = error;
    },
  );
  return outcome;
}

/** Lets every queued promise callback run (one macrotask turn drains the microtask queue). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Advances a TestScheduler (outside run mode) to `frame`, one due action at a time, letting
 * promise callbacks run between actions as they would between timer callbacks in real time.
 * Ends with the clock exactly at `frame`.
 */
export async function advanceTo(ts: TestScheduler, frame: number): Promise<void> {
  await settle();
  for (;;) {
    const next = ts.actions[0];
    if (next === undefined || next.delay > frame) break;
    ts.maxFrames = next.delay;
    ts.flush();
    await settle();
  }
  if (ts.now() < frame) {
    ts.schedule(() => undefined, frame - ts.now());
    ts.maxFrames = frame;
    ts.flush();
    await settle();
  }
}

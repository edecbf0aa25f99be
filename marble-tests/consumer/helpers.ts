import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';
import { advanceTo } from '../producer/helpers.js';
import { createTestScheduler } from '../operators/test-scheduler.js';

export { advanceTo };

/**
 * A TestScheduler driving a whole in-memory MockCluster and its clients: time moves only by
 * `advanceTo`, which lets promise callbacks run between timers, as real time would.
 */
export async function marbleCluster(partitions: number) {
  const ts = createTestScheduler();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: ts });
  await cluster.createTopic('t', { partitions, replicationFactor: 3 });
  const clients: KafkaClient[] = [];
  /** A client of the cluster, closed by done(); `transport` wraps the cluster's (a freezable one, say). */
  const client = (transport = cluster.transport) => {
    const c = createClient({ brokers: cluster.bootstrap, transport, scheduler: ts });
    clients.push(c);
    return c;
  };
  const produce = async (values: readonly string[], partition = 0) => {
    const producer = client().producer({ lingerMs: 0 });
    const sent = producer.send(values.map((value) => ({ topic: 't', partition, value })));
    await advanceTo(ts, ts.now());
    await sent;
  };
  const done = async () => {
    let closed = false;
    const closing = Promise.all(clients.map((c) => c.close())).then(() => {
      closed = true;
    });
    for (let i = 0; i < 100 && !closed; i++) await advanceTo(ts, ts.now() + 60_000);
    await closing;
    await cluster.stop();
  };
  return { ts, cluster, client, produce, done };
}

/** What a stream emitted, frame by frame, in TestScheduler's notation. */
export interface Recorded<T> {
  readonly frames: Array<{ frame: number; notification: { kind: 'N'; value: T } | { kind: 'E'; error: unknown } | { kind: 'C' } }>;
}

/** Records `source$` against the scheduler's clock, from now on. */
export function record<T>(ts: TestScheduler, source$: Observable<T>): Recorded<T> {
  const frames: Recorded<T>['frames'] = [];
  source$.subscribe({
    next: (value) => frames.push({ frame: ts.now(), notification: { kind: 'N', value } }),
    error: (error: unknown) => frames.push({ frame: ts.now(), notification: { kind: 'E', error } }),
    complete: () => frames.push({ frame: ts.now(), notification: { kind: 'C' } }),
  });
  return { frames };
}

/** Asserts what was recorded against a marble diagram (time progression syntax, as in run mode). */
export function expectRecorded<T>(recorded: Recorded<T>, marbles: string, values?: Record<string, T>): void {
  // one frame per character and per ms, as inside TestScheduler.run
  const factor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  let expected: ReturnType<typeof TestScheduler.parseMarbles>;
  try {
    expected = TestScheduler.parseMarbles(marbles, values, undefined, true, true);
  } finally {
    TestScheduler.frameTimeFactor = factor;
  }
  const shape = (n: { kind: string; value?: unknown; error?: unknown }) => (n.kind === 'N' ? { kind: 'N', value: n.value } : n.kind === 'E' ? { kind: 'E', error: n.error } : { kind: 'C' });
  expect(recorded.frames.map((f) => ({ frame: f.frame, notification: shape(f.notification) }))).toEqual(
    expected.map((f) => ({ frame: f.frame, notification: shape(f.notification as { kind: string; value?: unknown; error?: unknown }) })),
  );
}

import { describe, expect, it } from 'vitest';
import { createClient, type ProducerStats } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

describe('producer stats$', () => {
  it('emits at most once per scheduler tick, not once per record, and ends on the settled state', async () => {
    const time = virtualTime();
    const cluster = await MockCluster.start({ brokers: 1, network: 'memory', scheduler: time.scheduler });
    await cluster.createTopic('t', { partitions: 4 });
    const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
    const producer = client.producer({});
    const seen: ProducerStats[] = [];
    const sub = producer.stats$.subscribe((s) => seen.push(s));
    const sends = Array.from({ length: 10_000 }, (_, i) => producer.send({ topic: 't', value: `v${i}` }));
    await time.run(() => Promise.all(sends));
    await time.advance(0); // the tick's emission
    // 10,000 records each took and gave back buffer memory: one emission per tick of work
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.length).toBeLessThan(100);
    expect(seen[seen.length - 1]).toMatchObject({ queuedRecords: 0, queuedBytes: 0, batches: 0, inFlight: 0, errors: 0 });
    expect(seen[seen.length - 1].requests).toBeGreaterThan(0);
    sub.unsubscribe();
    await time.run(() => client.close());
    await cluster.stop();
  });
});

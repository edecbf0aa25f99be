import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { MockCluster, virtualTime } from '../../src/testing/index.js';

/**
 * A broker leading 4 of 12 partitions is unreachable for 300 ms, its leadership kept (as a
 * broker restarting faster than the controller moves leaders). Records flow to every partition
 * all along, every 20 ms.
 */
async function outage() {
  const time = virtualTime();
  const cluster = await MockCluster.start({ brokers: 3, network: 'memory', scheduler: time.scheduler });
  await cluster.createTopic('t', { partitions: 12, replicationFactor: 3 });
  for (const id of [1, 2, 3]) cluster.setLatency(id, 2);
  const client = createClient({ brokers: cluster.bootstrap, transport: cluster.transport, scheduler: time.scheduler });
  const producer = client.producer({ lingerMs: 5 });
  const down = 2;
  const led = Array.from({ length: 12 }, (_, p) => p).filter((p) => cluster.partitionInfo('t', p)?.leader === down);
  /** When each record sent to a partition of the down broker was acknowledged, by send time. */
  const acks: Array<{ sentAt: number; ackedAt: number }> = [];
  const sends: Array<Promise<unknown>> = [];
  const s = time.scheduler;
  for (let at = 0; at < 3000; at += 20) {
    s.schedule(() => {
      for (let p = 0; p < 12; p++) {
        const sentAt = time.now();
        const sent = producer.send({ topic: 't', partition: p, value: `${p}@${sentAt}` });
        if (led.includes(p)) sends.push(sent.then(() => acks.push({ sentAt, ackedAt: time.now() })));
        else sends.push(sent);
      }
    }, at);
  }
  s.schedule(() => {
    cluster.setBrokerDown(down);
    for (const p of led) cluster.moveLeader('t', p, down); // leadership stays where it was
  }, 1000);
  s.schedule(() => cluster.setBrokerUp(down), 1300);
  await time.run(async () => {
    await time.advance(3000);
    await Promise.all(sends);
  });
  const stats = client.stats$;
  await time.run(() => client.close());
  await cluster.stop();
  return { led, acks, stats };
}

describe('a short outage of one broker', () => {
  it('stalls its partitions for little more than the outage, not for a circuit recovery time', async () => {
    const { led, acks } = await outage();
    expect(led).toHaveLength(4);
    // records sent during the outage, acknowledged once the broker is back: within a second of it
    const during = acks.filter((a) => a.sentAt >= 1000 && a.sentAt < 1300);
    expect(during.length).toBeGreaterThan(50);
    const firstBack = Math.min(...during.map((a) => a.ackedAt));
    const latestAck = Math.max(...during.map((a) => a.ackedAt));
    expect(firstBack).toBeGreaterThanOrEqual(1300);
    expect(latestAck - 1300).toBeLessThan(1000);
    // and a second after it came back, with the backlog written, records flow at once again
    const after = acks.filter((a) => a.sentAt >= 2300);
    expect(Math.max(...after.map((a) => a.ackedAt - a.sentAt))).toBeLessThan(50);
  });
});

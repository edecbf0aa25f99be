/**
 * Acceptance: a group of three rxkafka consumers on librdkafka's mock cluster (an independent
 * group coordinator) reads a topic's every record exactly once between them, and leaves the
 * group's committed offsets at the log ends. The committed offsets are read with a raw
 * OffsetFetch, not through the consumer.
 */
import { expect, it } from 'vitest';
import { createClient, type ConsumerConfig, type KafkaClient } from '../../src/index.js';
import { describeInterop, startRdkafkaMock, type RdkafkaMock } from '../interop/harness.js';
import { committedOffsets, GroupLedger, produceNumbered, recordKey, RxMember, type Delivery } from './interop-support.js';

const TOPIC = 'interop-group';
const PARTITIONS = 6;
const COUNT = 60_000;
/** Bound on reading everything; the mock needs a few rebalances of a session each. */
const READ_TIMEOUT_MS = 90_000;

/**
 * librdkafka's mock finishes a rebalance only on a timer derived from the members' session
 * timeouts (docs/architecture.md, known quirks): short ones keep each rebalance to seconds.
 */
const GROUP_TIMEOUTS = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000 } as const;

async function readAllAndClose(mock: RdkafkaMock, groupId: string, config: Partial<ConsumerConfig>) {
  const clients: KafkaClient[] = [];
  const members: RxMember[] = [];
  const producerClient = createClient({ brokers: [...mock.bootstrap] });
  clients.push(producerClient);
  try {
    const produced = await produceNumbered(producerClient, TOPIC, { count: COUNT, partitions: PARTITIONS });
    expect([...produced.logEnds.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(COUNT));

    const ledger = new GroupLedger(PARTITIONS);
    const seen = new Map<string, number>();
    const onDelivery = (d: Delivery) => {
      const key = recordKey(d.partition, d.offset);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      // the wait below re-checks on ledger changes: the last new record is one
      if (seen.size === COUNT) ledger.touch('every record delivered');
    };
    for (const name of ['rx-1', 'rx-2', 'rx-3']) {
      const client = createClient({ brokers: [...mock.bootstrap], clientId: name });
      clients.push(client);
      const consumer = client.consumer({ groupId, topics: [TOPIC], autoOffsetReset: 'earliest', ...GROUP_TIMEOUTS, ...config });
      members.push(new RxMember(name, consumer, ledger, TOPIC, onDelivery));
    }
    await ledger.waitFor(() => (seen.size >= COUNT ? true : null), READ_TIMEOUT_MS, `all ${COUNT} records`);
    await Promise.all(members.map((m) => m.close()));

    // exactly once between the three: every record, each one delivered once, with its value
    const deliveries = members.flatMap((m) => m.deliveries);
    const duplicates = [...seen].filter(([, n]) => n > 1);
    expect(duplicates.length, `records delivered more than once, e.g. ${duplicates.slice(0, 5).map(([k, n]) => `${k}×${n}`).join(' ')}`).toBe(0);
    expect(deliveries.length).toBe(COUNT);
    const wrong = deliveries.filter((d) => produced.values.get(recordKey(d.partition, d.offset)) !== d.value);
    expect(wrong.slice(0, 5)).toEqual([]);
    // every member took part, and no generation had a partition with two owners
    expect(new Set(deliveries.map((d) => d.member)).size).toBe(3);
    expect(ledger.violations(), ledger.describe()).toEqual([]);

    // after close the group's committed offsets are the log ends
    const committed = await committedOffsets(producerClient, groupId, TOPIC, PARTITIONS);
    const expected = new Map([...produced.logEnds].map(([p, end]) => [p, end]));
    expect(new Map([...committed].sort(([a], [b]) => a - b))).toEqual(new Map([...expected].sort(([a], [b]) => a - b)));
  } finally {
    await Promise.all(members.map((m) => m.consumer.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

describeInterop("consumer group of three rxkafka members (librdkafka's mock cluster)", ['librdkafka'], () => {
  it('reads 60,000 records exactly once between three members and commits the log ends (default assignors)', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS }] });
    try {
      await readAllAndClose(mock, 'interop-group-default', {});
    } finally {
      await mock.stop();
    }
  }, 150_000);

  it('reads 60,000 records exactly once between three members and commits the log ends (cooperative-sticky)', async () => {
    const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS }] });
    try {
      await readAllAndClose(mock, 'interop-group-cooperative', { assignors: ['cooperative-sticky'] });
    } finally {
      await mock.stop();
    }
  }, 150_000);
});

/**
 * Acceptance: a group of three rxkafka consumers, each on its own client, on librdkafka's mock
 * cluster (an independent group coordinator: 3 brokers, a topic of 6 partitions) reads 60,000
 * records between them, and after all three closed the group's committed offsets are the log
 * ends. A settled group reads each record exactly once. Where partitions move while records
 * arrive, a record is read again only by the partition's next owner, after the mock refused the
 * commit of its revoke (closeAndCheck). The committed offsets are read with a raw OffsetFetch,
 * not through the consumer.
 *
 * librdkafka 2.0.2's mock ends a SyncGroup round as soon as the leader's SyncGroup arrives and
 * answers a follower whose SyncGroup comes later INVALID_REQUEST: a group of members that all
 * answer as fast as rxkafka's leader does is refused generation after generation there.
 *
 * Every wait is on an event (a delivery, a rebalance event) and bounded; nothing sleeps.
 */
import { expect, it } from 'vitest';
import { createClient, type ConsumerConfig, type KafkaClient } from '../../src/index.js';
import { describeInterop, startRdkafkaMock, type RdkafkaMock } from '../interop/harness.js';
import { committedOffsets, GroupLedger, produceNumbered, recordKey, RxMember, type Delivery, type Produced } from './interop-support.js';

const TOPIC = 'interop-group';
const PARTITIONS = 6;
const COUNT = 60_000;
/** Bound on each wait; the mock takes a few seconds per rebalance (below). Five waits stay below the test's timeout. */
const WAIT_MS = 40_000;
const TEST_TIMEOUT_MS = 240_000;

/**
 * librdkafka's mock ends a join phase on a timer of about a session timeout (docs/architecture.md,
 * known quirks): short timeouts, for every member, keep each rebalance to seconds.
 */
const GROUP_TIMEOUTS = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000 } as const;

/** Three rxkafka members on their own clients, the deliveries they saw, and the checks after close. */
class Group {
  readonly ledger = new GroupLedger(PARTITIONS);
  readonly members: RxMember[] = [];
  readonly seen = new Map<string, number>();
  private readonly clients: KafkaClient[] = [];

  constructor(
    private readonly mock: RdkafkaMock,
    readonly groupId: string,
    private readonly config: Partial<ConsumerConfig>,
  ) {}

  client(clientId: string): KafkaClient {
    const client = createClient({ brokers: [...this.mock.bootstrap], clientId });
    this.clients.push(client);
    return client;
  }

  start(name: string): RxMember {
    const consumer = this.client(name).consumer({ groupId: this.groupId, topics: [TOPIC], autoOffsetReset: 'earliest', ...GROUP_TIMEOUTS, ...this.config });
    const member = new RxMember(name, consumer, this.ledger, TOPIC, (d: Delivery) => {
      const key = recordKey(d.partition, d.offset);
      const before = this.seen.size;
      this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
      // the waits re-check on ledger changes: a new distinct record is one
      if (this.seen.size !== before) this.ledger.touch();
    });
    this.members.push(member);
    return member;
  }

  /** Resolves once `n` distinct records were delivered, bounded. */
  async delivered(n: number): Promise<void> {
    await this.ledger.waitFor(() => (this.seen.size >= n ? true : null), WAIT_MS, `${n} distinct records delivered`);
  }

  /**
   * Resolves once, for every partition, a member owns it with its position at the log end and
   * nothing of it fetched and unacked: the group has read, and acked, everything.
   */
  async caughtUp(logEnds: ReadonlyMap<number, bigint>): Promise<void> {
    const atEnd = (partition: number, end: bigint): boolean =>
      this.members.some((m) => m.stats?.assignment.some((a) => a.topic === TOPIC && a.partition === partition && a.position === end && a.bufferedBytes === 0) === true);
    await this.ledger.waitFor(() => ([...logEnds].every(([p, end]) => atEnd(p, end)) ? true : null), WAIT_MS, 'every partition read to its log end');
  }

  /**
   * `exactlyOnce`: no record may be read twice. Otherwise a record may be read again only by a
   * member that took its partition over after a commit was refused. librdkafka's mock refuses
   * every commit while it waits for a rebalance's joins (where Kafka accepts them from members of
   * the current generation), so when two members revoke in one cooperative rebalance, the one
   * whose commit arrives after the other's rejoin has its commit refused, and the partition's
   * next owner reads again from the commit before. That is at-least-once as the consumer
   * promises it; which member loses the race is timing.
   */
  async closeAndCheck(produced: Produced, admin: KafkaClient, { exactlyOnce }: { exactlyOnce: boolean }): Promise<void> {
    // Each member commits what it read, in the settled group, before any closes: librdkafka's mock
    // may take one member's LeaveGroup before another's commit that reached it earlier, and then
    // refuses that commit (as above), so the commits of a close() racing another's leave are the
    // mock's to lose. close() then has nothing left to commit, and must lose nothing.
    await this.ledger.waitStable(this.members.map((m) => m.name), WAIT_MS);
    await this.caughtUp(produced.logEnds);
    await Promise.all(this.members.map((m) => m.consumer.commit()));
    const refusedCommits = this.members.reduce((n, m) => n + (m.stats?.commitFailures ?? 0), 0);
    await Promise.all(this.members.map((m) => m.close()));
    // every record, with its value
    const deliveries = this.members.flatMap((m) => m.deliveries);
    expect(this.seen.size).toBe(COUNT);
    const wrong = deliveries.filter((d) => produced.values.get(recordKey(d.partition, d.offset)) !== d.value);
    expect(wrong.slice(0, 5)).toEqual([]);
    // read again only by another member, and only where a commit was refused
    const duplicates = [...this.seen].filter(([, n]) => n > 1);
    const example = `e.g. ${duplicates.slice(0, 5).map(([k, n]) => `${k}×${n}`).join(' ')}\n${this.ledger.describe()}`;
    if (exactlyOnce || refusedCommits === 0) expect(duplicates.length, `records delivered more than once, ${example}`).toBe(0);
    const byMember = new Map<string, Set<string>>();
    const twiceByOne: string[] = [];
    for (const d of deliveries) {
      const key = recordKey(d.partition, d.offset);
      let keys = byMember.get(d.member);
      if (keys === undefined) byMember.set(d.member, (keys = new Set()));
      if (keys.has(key)) twiceByOne.push(`${d.member}:${key}`);
      keys.add(key);
    }
    expect(twiceByOne.slice(0, 5), `records delivered twice to one member, ${example}`).toEqual([]);
    expect(deliveries.length).toBe(COUNT + duplicates.reduce((n, [, k]) => n + k - 1, 0));
    // no generation gave a partition two owners
    const violations = this.ledger.violations();
    expect(violations, `${violations.join('\n')}\n${this.ledger.describe()}`).toEqual([]);
    // the group's committed offsets, read without the consumer: the log ends
    const committed = await committedOffsets(admin, this.groupId, TOPIC, PARTITIONS);
    expect(sortedEntries(committed)).toEqual(sortedEntries(produced.logEnds));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.members.map((m) => m.consumer.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
  }
}

const sortedEntries = <V>(m: ReadonlyMap<number, V>): Array<[number, V]> => [...m].sort(([a], [b]) => a - b);

function merge(...parts: Produced[]): Produced {
  const values = new Map<string, string>();
  const logEnds = new Map<number, bigint>();
  for (const p of parts) {
    for (const [k, v] of p.values) values.set(k, v);
    for (const [partition, end] of p.logEnds) if ((logEnds.get(partition) ?? -1n) < end) logEnds.set(partition, end);
  }
  return { values, logEnds };
}

async function withMock(fn: (mock: RdkafkaMock) => Promise<void>): Promise<void> {
  const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS }] });
  try {
    await fn(mock);
  } finally {
    await mock.stop();
  }
}

describeInterop("consumer group of three rxkafka members (librdkafka's mock cluster)", ['librdkafka'], () => {
  it('three members started together on 60,000 records read them all and commit the log ends (cooperative-sticky)', async () => {
    await withMock(async (mock) => {
      const group = new Group(mock, 'interop-group-together', { assignors: ['cooperative-sticky'] });
      try {
        const admin = group.client('admin');
        const produced = await produceNumbered(admin, TOPIC, { count: COUNT, partitions: PARTITIONS });
        expect([...produced.logEnds.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(COUNT));
        for (const name of ['rx-1', 'rx-2', 'rx-3']) group.start(name);
        await group.delivered(COUNT);
        await group.closeAndCheck(produced, admin, { exactlyOnce: false });
        // all three took part
        expect(group.members.map((m) => m.deliveries.length > 0)).toEqual([true, true, true]);
      } finally {
        await group.dispose();
      }
    });
  }, TEST_TIMEOUT_MS);

  /*
   * Eager members (the default assignors, where range is eager) give up everything before they
   * join again and commit first; librdkafka's mock refuses that commit (REBALANCE_IN_PROGRESS
   * while it waits for joins, where Kafka accepts commits during PreparingRebalance), so a
   * rebalance in the middle of reading would make any eager client read some records again. The
   * group settles first here; the records come after.
   */
  it('a settled group of three (default assignors) reads 60,000 records exactly once and commits the log ends', async () => {
    await withMock(async (mock) => {
      const group = new Group(mock, 'interop-group-default', {});
      try {
        const admin = group.client('admin');
        for (const name of ['rx-1', 'rx-2', 'rx-3']) group.start(name);
        const settled = await group.ledger.waitStable(['rx-1', 'rx-2', 'rx-3'], WAIT_MS);
        expect([...settled.members.values()].map((m) => m.owned.length)).toEqual([2, 2, 2]);
        const produced = await produceNumbered(admin, TOPIC, { count: COUNT, partitions: PARTITIONS });
        await group.delivered(COUNT);
        await group.closeAndCheck(produced, admin, { exactlyOnce: true });
      } finally {
        await group.dispose();
      }
    });
  }, TEST_TIMEOUT_MS);

  it('members joining one by one while records arrive read them all and commit the log ends (cooperative-sticky)', async () => {
    await withMock(async (mock) => {
      const group = new Group(mock, 'interop-group-joining', { assignors: ['cooperative-sticky'] });
      try {
        const admin = group.client('admin');
        const third = COUNT / 3;
        const first = await produceNumbered(admin, TOPIC, { count: third, partitions: PARTITIONS });
        group.start('rx-1');
        await group.delivered(third);
        // a member joins while the next third is produced: partitions move with records in flight
        group.start('rx-2');
        const second = await produceNumbered(admin, TOPIC, { count: third, partitions: PARTITIONS, from: third });
        await group.ledger.waitStable(['rx-1', 'rx-2'], WAIT_MS);
        await group.delivered(2 * third);
        group.start('rx-3');
        const last = await produceNumbered(admin, TOPIC, { count: third, partitions: PARTITIONS, from: 2 * third });
        const stable = await group.ledger.waitStable(['rx-1', 'rx-2', 'rx-3'], WAIT_MS);
        expect([...stable.members.values()].map((m) => m.owned.length).sort()).toEqual([2, 2, 2]);
        await group.delivered(COUNT);
        await group.closeAndCheck(merge(first, second, last), admin, { exactlyOnce: false });
      } finally {
        await group.dispose();
      }
    });
  }, TEST_TIMEOUT_MS);
});

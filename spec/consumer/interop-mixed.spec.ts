/**
 * Acceptance: mixed consumer groups. rxkafka members share a group with librdkafka members
 * (`kcat -G`), eager (range) and cooperative (cooperative-sticky), on librdkafka's mock cluster
 * and on MockCluster over loopback TCP. Members join and leave one at a time; after each step the
 * group settles.
 *
 * What each member owned in each generation comes from the member itself: rxkafka's rebalances$
 * and kcat's stderr (librdkafka's cgrp debug lines give the generation and the SyncGroup
 * outcome, kcat's rebalance lines the partitions), in the order they happened (interop-support.ts,
 * GroupLedger). Asserted over every generation: no partition has two owners; a generation's
 * assignment plus what it has its owners revoke covers every partition; with cooperative-sticky a
 * partition revoked from a member moves to another one (a member joining never costs an owner a
 * partition that stays with it). On MockCluster the coordinator's own view (DescribeGroups, the
 * assignments decoded with consumer-protocol.ts) must equal the members' at each settled step.
 *
 * librdkafka 2.0.2's mock ends a SyncGroup round as soon as the leader's SyncGroup arrives, and
 * answers a follower whose SyncGroup comes after it INVALID_REQUEST; such a generation is lost to
 * that follower, which must join again (librdkafka and Java do). The ledger does not check that a
 * generation some member failed to sync covers every partition (GroupLedger.verifiable).
 *
 * Every wait is on an event (an output line, a rebalance event) and bounded; nothing sleeps.
 */
import { expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { MockCluster } from '../../src/testing/index.js';
import { describeInterop, startRdkafkaMock } from '../interop/harness.js';
import { describeGroup, GroupLedger, KcatMember, produceNumbered, recordKey, RxMember, type GenerationView } from './interop-support.js';

const TOPIC = 'interop-mixed';
const PARTITIONS = 6;
const RECORDS = 600;
/**
 * Bound on one step's settling: a step takes one or two rebalances (cooperative) of a few seconds
 * each on librdkafka's mock, more when the mock refuses a late follower's SyncGroup (below). Eight
 * waits of it, and kcat's stop bound twice, stay below the test's timeout, so finally always runs.
 */
const STEP_MS = 30_000;
const TEST_TIMEOUT_MS = 300_000;
/**
 * librdkafka's mock ends a join phase on a timer of about the session timeout, and expects every
 * member back within it (docs/architecture.md, known quirks): short timeouts for every member.
 */
const SESSION_MS = 4_000;

type Strategy = 'range' | 'cooperative-sticky';

interface Cluster {
  readonly bootstrap: readonly string[];
  /** The coordinator's view of the group, where the cluster answers DescribeGroups. */
  readonly describe?: (client: KafkaClient, groupId: string) => ReturnType<typeof describeGroup>;
  stop(): Promise<void>;
}

async function rdkafkaCluster(): Promise<Cluster> {
  const mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS }] });
  // librdkafka 2.0.2's mock serves no DescribeGroups
  return { bootstrap: mock.bootstrap, stop: () => mock.stop() };
}

async function mockCluster(): Promise<Cluster> {
  const cluster = await MockCluster.start({ brokers: 3 });
  await cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 });
  return { bootstrap: cluster.bootstrap, describe: (client, groupId) => describeGroup(client, groupId, TOPIC), stop: () => cluster.stop() };
}

/**
 * rx-A joins, then kcat-B, rx-C, kcat-D; then rx-A and kcat-B leave, then the others. After each
 * step the group settles on a generation of the members left that covers every partition.
 */
async function mixedGroup(cluster: Cluster, strategy: Strategy, groupId: string): Promise<void> {
  const ledger = new GroupLedger(PARTITIONS);
  const clients: KafkaClient[] = [];
  const kcats: KcatMember[] = [];
  const rx: RxMember[] = [];
  const client = (clientId: string) => {
    const c = createClient({ brokers: [...cluster.bootstrap], clientId });
    clients.push(c);
    return c;
  };
  const admin = client('admin');
  const kcat = (name: string) => {
    const m = new KcatMember({ name, brokers: cluster.bootstrap, groupId, topic: TOPIC, strategy, ledger, sessionTimeoutMs: SESSION_MS });
    kcats.push(m);
    return m;
  };
  const rxMember = (name: string) => {
    const consumer = client(name).consumer({
      groupId,
      topics: [TOPIC],
      assignors: [strategy],
      autoOffsetReset: 'earliest',
      sessionTimeoutMs: SESSION_MS,
      heartbeatIntervalMs: 250,
      rebalanceTimeoutMs: SESSION_MS,
      autoCommitIntervalMs: 500,
    });
    const m = new RxMember(name, consumer, ledger, TOPIC);
    rx.push(m);
    return m;
  };
  /** Waits for the members named to settle; on MockCluster the coordinator must agree with them. */
  const settled = async (names: readonly string[]): Promise<GenerationView> => {
    const view = await ledger.waitStable(names, STEP_MS);
    if (cluster.describe !== undefined) {
      const described = await cluster.describe(admin, groupId);
      const byClient = new Map(described.members.map((m) => [m.clientId, m.partitions]));
      expect(described.state, ledger.describe()).toBe('Stable');
      expect(described.protocol).toBe(strategy);
      expect(new Map([...view.members].filter(([n]) => names.includes(n)).map(([n, r]) => [n, r.owned])), ledger.describe()).toEqual(byClient);
    }
    return view;
  };

  try {
    const produced = await produceNumbered(admin, TOPIC, { count: RECORDS, partitions: PARTITIONS, chunk: RECORDS });

    // the first member leads (both coordinators elect the first to join): rxkafka leads librdkafka
    // members first; once it left, kcat-B leads rxkafka members; once that left, rx-C leads again
    rxMember('rx-A');
    await settled(['rx-A']);
    kcat('kcat-B');
    await settled(['rx-A', 'kcat-B']);
    rxMember('rx-C');
    await settled(['rx-A', 'kcat-B', 'rx-C']);
    kcat('kcat-D');
    const four = await settled(['rx-A', 'kcat-B', 'rx-C', 'kcat-D']);
    expect([...four.members.values()].map((m) => m.owned.length).sort()).toEqual([1, 1, 2, 2]);

    await rx[0].close();
    await settled(['kcat-B', 'rx-C', 'kcat-D']);
    await kcats[0].stop();
    await settled(['rx-C', 'kcat-D']);
    // the last two leave too (kcat's output is complete once it exited)
    await kcats[1].stop();
    await settled(['rx-C']);
    await rx[1].close();

    // both led a group of more than themselves: kcat says when it leads, and counts the members
    const led = ledger.generations().filter((v) => v.members.size > 1);
    expect(led.some((v) => ledger.ledByKcat(v.generation)), ledger.describe()).toBe(true);
    expect(led.some((v) => !ledger.ledByKcat(v.generation) && ledger.verifiable(v)), ledger.describe()).toBe(true);

    // the group's history, every generation of it
    const violations = ledger.violations();
    expect(violations, `${violations.join('\n')}\n${ledger.describe()}`).toEqual([]);
    if (strategy === 'cooperative-sticky') {
      // from rxkafka's own events: what an assignment revoked went to another member afterwards
      for (const m of rx) {
        for (const e of m.revokedByAssignment) {
          const moved = ledger
            .generations()
            .find((v) => v.generation > e.generationId && e.partitions.every((tp) => [...v.members].some(([n, r]) => n !== m.name && r.owned.includes(tp.partition))));
          expect(moved, `${m.name} revoked [${e.partitions.map((tp) => tp.partition).join(',')}] in generation ${e.generationId}\n${ledger.describe()}`).toBeDefined();
        }
      }
    } else {
      // eager: an rxkafka member gives everything up before it joins again, never by an assignment
      expect(rx.flatMap((m) => m.revokedByAssignment)).toEqual([]);
    }
    // between them the members read every record (at least once: eager hand-overs on the mock may repeat some)
    const read = new Set([...rx.flatMap((m) => m.deliveries.map((d) => recordKey(d.partition, d.offset))), ...kcats.flatMap((k) => k.records().map((r) => recordKey(r.partition, r.offset)))]);
    expect([...produced.values.keys()].filter((k) => !read.has(k)).slice(0, 5)).toEqual([]);
  } finally {
    for (const k of kcats) k.kill();
    await Promise.all(rx.map((m) => m.consumer.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

for (const [clusterName, start] of [
  ["librdkafka's mock cluster", rdkafkaCluster],
  ['MockCluster on loopback TCP', mockCluster],
] as const) {
  describeInterop(`mixed consumer groups: rxkafka and librdkafka (kcat -G) members (${clusterName})`, clusterName.startsWith('librdkafka') ? ['librdkafka', 'kcat'] : ['kcat'], () => {
    for (const strategy of ['range', 'cooperative-sticky'] as const) {
      it(`${strategy}: members join and leave one at a time; every generation's assignment is disjoint and complete`, async () => {
        const cluster = await start();
        try {
          await mixedGroup(cluster, strategy, `interop-mixed-${strategy}`);
        } finally {
          await cluster.stop();
        }
      }, TEST_TIMEOUT_MS);
    }
  });
}

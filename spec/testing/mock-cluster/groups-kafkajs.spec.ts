import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { filter, firstValueFrom, startWith, Subject, timeout } from 'rxjs';
import { expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';

const TOPIC = 'kjs-group-topic';
const GROUP = 'kjs-group';
const PARTITIONS = 6;
/** Upper bound on each wait; the test passes on events, never on elapsed time. */
const WAIT_LIMIT_MS = 20_000;

it('three KafkaJS consumers share six partitions; when one leaves the others take its partitions; every record is consumed and committed', async () => {
  const cluster = await MockCluster.start({ brokers: 3 });
  const kafka = new Kafka({ clientId: 'kjs-groups', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 } });
  const producer = kafka.producer();
  const admin = kafka.admin();
  const consumers: Consumer[] = [];
  try {
    await cluster.createTopic(TOPIC, { partitions: PARTITIONS });
    await producer.connect();
    await admin.connect();

    const changed = new Subject<void>();
    const until = (condition: () => boolean, what: string) =>
      firstValueFrom(
        changed.pipe(
          startWith(undefined),
          filter(condition),
          timeout({ first: WAIT_LIMIT_MS, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) }),
        ),
      );

    const seen = new Set<string>();
    const assignments: Array<number[] | undefined> = [];
    const joins: number[] = [];
    for (let i = 0; i < 3; i++) {
      const consumer = kafka.consumer({
        groupId: GROUP,
        sessionTimeout: 3000,
        rebalanceTimeout: 3000,
        heartbeatInterval: 100,
        maxWaitTimeInMs: 50,
        retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 },
      });
      consumers.push(consumer);
      joins.push(0);
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments[i] = (event.payload.memberAssignment[TOPIC] ?? []).slice().sort((a, b) => a - b);
        joins[i]++;
        changed.next();
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          seen.add(`${partition}:${message.offset}`);
          changed.next();
          return Promise.resolve();
        },
      });
    }

    /** The latest assignments of these members split all partitions between them, none idle. */
    const splitAmong = (members: number[]) => () => {
      const owned = members.map((i) => assignments[i] ?? []);
      const all = owned.flat().sort((a, b) => a - b);
      return owned.every((o) => o.length > 0) && all.length === PARTITIONS && all.every((p, at) => p === at);
    };
    await until(splitAmong([0, 1, 2]), 'three members sharing the partitions');
    expect(assignments.map((a) => a?.length)).toEqual([2, 2, 2]);

    const send = (from: number, count: number) =>
      producer.send({ topic: TOPIC, messages: Array.from({ length: count }, (_, k) => ({ key: `key-${from + k}`, value: `value-${from + k}` })) });
    await send(0, 150);
    await send(150, 150);
    await until(() => seen.size >= 150, 'half of the first records consumed');

    // one member leaves mid-stream
    const joinsBefore = [...joins];
    await consumers[2].disconnect();
    await send(300, 150);
    await send(450, 150);
    await until(() => joins[0] > joinsBefore[0] && joins[1] > joinsBefore[1] && splitAmong([0, 1])(), 'the two remaining members taking every partition');
    expect(assignments[0]?.length).toBe(3);
    expect(assignments[1]?.length).toBe(3);

    const logEnd = Array.from({ length: PARTITIONS }, (_, p) => Number(cluster.state.partition(TOPIC, p)?.log.logEndOffset ?? -1));
    expect(logEnd.reduce((a, b) => a + b, 0)).toBe(600);
    const produced = logEnd.flatMap((end, p) => Array.from({ length: end }, (_, offset) => `${p}:${offset}`));
    await until(() => produced.every((key) => seen.has(key)), 'every produced record consumed');
    expect(produced.filter((key) => !seen.has(key))).toEqual([]);

    // stopping commits what each member processed; the group's offsets then sit at the log ends
    await consumers[0].disconnect();
    await consumers[1].disconnect();
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const byPartition = committed[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]);
    expect(byPartition).toEqual(logEnd.map((end, p) => [p, end]));
    const described = await admin.describeGroups([GROUP]);
    expect(described.groups[0]).toMatchObject({ groupId: GROUP, state: 'Empty', members: [] });
  } finally {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await cluster.stop();
  }
}, 60_000);

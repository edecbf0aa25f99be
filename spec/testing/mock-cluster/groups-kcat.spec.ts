import { afterAll, beforeAll, expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';
import { describeInterop, kcatProduce, parseKcatRecords, type KcatRecord } from '../../interop/harness.js';
import { run } from '../../interop/process.js';

const TOPIC = 'kcat-group-topic';
const COUNT = 60;
/** The record layout parseKcatRecords reads (the one kcatConsume uses). */
const FORMAT = '\\x1eREC %t %p %o %T %K %S\\n%k%s%h\\n';

/** kcat as a balanced (group) consumer: it exits after `count` records. */
async function kcatGroupConsume(brokers: readonly string[], group: string, topic: string, count: number): Promise<KcatRecord[]> {
  const args = [
    '-q',
    '-b', brokers.join(','),
    '-G', group,
    '-c', String(count),
    '-f', FORMAT,
    '-X', 'auto.offset.reset=earliest',
    '-X', 'session.timeout.ms=6000',
    '-X', 'heartbeat.interval.ms=100',
    '-X', 'check.crcs=true',
    topic,
  ];
  const { stdout } = await run('kcat', args, { timeoutMs: 30_000 });
  return parseKcatRecords(stdout);
}

describeInterop('MockCluster groups with kcat -G (librdkafka balanced consumer)', ['kcat'], () => {
  let cluster: MockCluster;
  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 3 });
    await cluster.createTopic(TOPIC, { partitions: 3 });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('reads every record of a topic through the group protocol and commits its position', async () => {
    const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
    await kcatProduce({ brokers: cluster.bootstrap, topic: TOPIC, messages });

    const records = await kcatGroupConsume(cluster.bootstrap, 'kcat-group', TOPIC, COUNT);
    expect(records.map((r) => `${r.key?.toString()}=${r.value?.toString()}`).sort()).toEqual(messages.map((m) => `${m.key}=${m.value}`).sort());
    // offsets are whole partitions from 0, each seen once
    for (let p = 0; p < 3; p++) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset).sort((a, b) => a - b);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }

    // librdkafka commits on close; the group is left empty with its offsets at the log ends
    const group = cluster.state.offsets.all('kcat-group').map(([topic, partition, c]) => [topic, partition, Number(c.offset)]);
    const logEnds = [0, 1, 2].map((p) => [TOPIC, p, Number(cluster.state.partition(TOPIC, p)?.log.logEndOffset)]);
    expect(group.sort()).toEqual(logEnds.filter(([, , end]) => (end as number) > 0).sort());

    // a second run of the same group starts from the committed offsets: nothing is left
    await kcatProduce({ brokers: cluster.bootstrap, topic: TOPIC, messages: [{ key: 'late', value: 'only-this' }] });
    const rest = await kcatGroupConsume(cluster.bootstrap, 'kcat-group', TOPIC, 1);
    expect(rest.map((r) => r.value?.toString())).toEqual(['only-this']);
  });
});

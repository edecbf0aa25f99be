import { afterAll, beforeAll, expect, it } from 'vitest';
import { MockCluster } from '../../../src/testing/index.js';
import { describeInterop, kcatConsume, kcatMetadata, kcatProduce, type KcatCodec, type KcatMessage } from '../../interop/harness.js';

const CODECS: readonly KcatCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function sample(codec: string): KcatMessage[] {
  const headers = (i: number): Record<string, string> => (i % 3 === 0 ? { codec, n: String(i) } : {});
  return Array.from({ length: 40 }, (_, i) => ({
    key: i % 7 === 6 ? null : i % 2 === 0 ? `key-${i}` : Buffer.from([0xfe, 0, i, 0x0a]),
    value: Buffer.concat([Buffer.from(`${codec} value ${i} `.repeat(4)), Buffer.from([0, 255, i])]),
    headers: headers(i),
  }));
}

const hex = (b: Buffer | string | null | undefined) => (b === null || b === undefined ? null : Buffer.from(b).toString('hex'));

describeInterop('kcat against MockCluster', ['kcat'], () => {
  let cluster: MockCluster;

  beforeAll(async () => {
    cluster = await MockCluster.start({ brokers: 3 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('shows kcat the brokers and the topics with their leaders', async () => {
    await cluster.createTopic('listed', { partitions: 4, replicationFactor: 2 });
    const meta = await kcatMetadata({ brokers: cluster.bootstrap, topic: 'listed' });
    expect(meta.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    const topic = meta.topics.find((t) => t.topic === 'listed');
    expect(topic?.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2, 2]);
  });

  for (const codec of CODECS) {
    it(`takes what kcat produces with ${codec} and gives it back identical`, async () => {
      const topic = `kcat-${codec}`;
      await cluster.createTopic(topic, { partitions: 1 });
      const messages = sample(codec);
      await kcatProduce({ brokers: cluster.bootstrap, topic, partition: 0, messages, compression: codec });
      const stored = cluster.records(topic, 0);
      expect(stored.map((r) => hex(r.value))).toEqual(messages.map((m) => hex(m.value)));
      const back = await kcatConsume({ brokers: cluster.bootstrap, topic, partition: 0, count: messages.length });
      expect(back.map((r) => [hex(r.key), hex(r.value), r.headers])).toEqual(messages.map((m) => [hex(m.key), hex(m.value), m.headers]));
      expect(back.map((r) => r.offset)).toEqual(messages.map((_, i) => i));
    });
  }
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeInterop,
  kcatConsume,
  kcatMetadata,
  kcatProduce,
  parseKcatRecords,
  startRdkafkaMock,
  type KcatCodec,
  type KcatMessage,
  type KcatRecord,
  type RdkafkaMock,
} from './harness.js';

// The harness proven against the two independent tools alone: if these fail,
// interop failures elsewhere say nothing about rxkafka.

const CODECS: readonly KcatCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** 20 messages: binary values that would break naive framing, header runs, a null-key run. */
function messages(codec: KcatCodec): KcatMessage[] {
  return Array.from({ length: 20 }, (_, i) => {
    const group = Math.floor(i / 5);
    const value = Buffer.concat([
      Buffer.from(`${codec}-value-${i}\n`),
      Buffer.from('\x1eREC x 0 0 0 0 0\n', 'latin1'),
      Buffer.from([0, 255, 10, 13, 0x5c, i]),
    ]);
    const headers: Record<string, string> = group === 1 ? {} : { run: String(group), codec, 'x-eq': 'a=b' };
    return {
      key: group === 3 ? null : i % 2 === 0 ? `key-${i}` : Buffer.from([0xfe, 0, i, 0x0a]),
      value,
      headers,
    };
  });
}

function sameBytes(actual: Buffer | null, expected: string | Buffer | null | undefined): boolean {
  if (expected === undefined || expected === null) return actual === null;
  return actual !== null && actual.equals(typeof expected === 'string' ? Buffer.from(expected) : expected);
}

describeInterop('interop harness (librdkafka mock + kcat)', ['librdkafka', 'kcat'], () => {
  let mock: RdkafkaMock;

  beforeAll(async () => {
    mock = await startRdkafkaMock({
      brokers: 3,
      topics: CODECS.map((codec) => ({ name: `smoke-${codec}`, partitions: 3 })),
    });
  });

  afterAll(async () => {
    await mock?.stop();
  });

  it('reports one bootstrap address per broker', () => {
    expect(mock.bootstrap).toHaveLength(3);
    for (const address of mock.bootstrap) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('kcat -L sees 3 brokers with ids 1..3 and the 3-partition topic', async () => {
    const metadata = await kcatMetadata({ brokers: mock.bootstrap, topic: 'smoke-none' });
    expect(metadata.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    expect(metadata.brokers.map((b) => b.name).sort()).toEqual([...mock.bootstrap].sort());
    const topic = metadata.topics.find((t) => t.topic === 'smoke-none');
    expect(topic?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const partition of topic?.partitions ?? []) expect(partition.replicas).toHaveLength(3);
  });

  it.each(CODECS)('round-trips 20 keyed, headered, binary messages compressed with %s', async (codec) => {
    const topic = `smoke-${codec}`;
    const sent = messages(codec);
    await kcatProduce({ brokers: mock.bootstrap, topic, messages: sent, compression: codec });
    const received = await kcatConsume({ brokers: mock.bootstrap, topic, count: 20 });

    expect(received).toHaveLength(20);
    // Values are unique, so each received record identifies the message it came from.
    const byValue = new Map(received.map((r) => [r.value?.toString('latin1'), r]));
    const perPartition = new Map<number, KcatRecord[]>();
    for (const message of sent) {
      const record = byValue.get(Buffer.from(message.value as Buffer).toString('latin1'));
      expect(record, `message ${String(message.value)}`).toBeDefined();
      if (record === undefined) continue;
      expect(sameBytes(record.key, message.key)).toBe(true);
      expect(record.headers).toEqual(message.headers);
      expect(record.topic).toBe(topic);
      perPartition.set(record.partition, [...(perPartition.get(record.partition) ?? []), record]);
    }
    // Within a partition, offsets follow send order and start at 0.
    for (const records of perPartition.values()) {
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
    }
    // Keyed messages spread over partitions; all land in the 3 that exist.
    expect([...perPartition.keys()].every((p) => p >= 0 && p < 3)).toBe(true);
    expect(perPartition.size).toBeGreaterThan(1);
  });

  it('delivers null values and empty keys in separate runs to an explicit partition', async () => {
    await mock.createTopic('smoke-nulls', 1, 1);
    await kcatProduce({
      brokers: mock.bootstrap,
      topic: 'smoke-nulls',
      partition: 0,
      messages: [{ key: '', value: '' }, { key: 'tombstone', value: null }, { value: 'keyless' }],
    });
    const records = await kcatConsume({ brokers: mock.bootstrap, topic: 'smoke-nulls', partition: 0, count: 3 });
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      [0, '', ''],
      [1, 'tombstone', null],
      [2, null, 'keyless'],
    ]);
  });

  it('turns an injected non-retriable Produce error into a kcat failure, once', async () => {
    await mock.createTopic('smoke-errors', 1, 3);
    const send = () =>
      kcatProduce({ brokers: mock.bootstrap, topic: 'smoke-errors', partition: 0, messages: [{ value: 'x' }], extra: ['-X', 'message.send.max.retries=0'] });
    // 10 MESSAGE_TOO_LARGE is not retriable, so librdkafka reports it as a delivery failure.
    await mock.pushErrors(0, [10]);
    await expect(send()).rejects.toThrow(/kcat/);
    await send();
    const records = await kcatConsume({ brokers: mock.bootstrap, topic: 'smoke-errors', count: 5 });
    expect(records.map((r) => r.value?.toString())).toEqual(['x']);
  });

  it('takes all brokers down (metadata fails) and brings them back (metadata works)', async () => {
    for (const id of [1, 2, 3]) await mock.setBrokerDown(id);
    await expect(kcatMetadata({ brokers: mock.bootstrap, extra: ['-m', '1'] })).rejects.toThrow();
    for (const id of [1, 2, 3]) await mock.setBrokerUp(id);
    const metadata = await kcatMetadata({ brokers: mock.bootstrap });
    expect(metadata.brokers).toHaveLength(3);
  });

  it('moves a leader and reports it in metadata', async () => {
    await mock.setLeader('smoke-none', 1, 3);
    const metadata = await kcatMetadata({ brokers: mock.bootstrap, topic: 'smoke-none' });
    expect(metadata.topics[0].partitions.find((p) => p.partition === 1)?.leader).toBe(3);
  });

  it('answers rtt and rejects malformed or unknown requests with an Error', async () => {
    await mock.setRtt(2, 5);
    await mock.setRtt(2, 0);
    await expect(mock.createTopic('bad name', 1, 1)).rejects.toThrow(/whitespace/);
    await expect(mock.setRtt(1, -5)).rejects.toThrow(/usage/);
    // librdkafka's own verdicts come back as ERR lines, i.e. rejections.
    await expect(mock.createTopic('smoke-none', 3, 1)).rejects.toThrow(/already exists/i);
    await expect(mock.setBrokerDown(99)).rejects.toThrow(/not available/i);
  });
});

it('parseKcatRecords rejects output that does not start with a record sentinel', () => {
  expect(() => parseKcatRecords(Buffer.from('garbage\n'))).toThrow(/sentinel/);
});

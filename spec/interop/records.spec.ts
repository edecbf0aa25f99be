import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../src/index.js';
import { Fetch, Produce } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch, type CompressionName, type KafkaRecord } from '../../src/protocol/records/index.js';
import { describeInterop, kcatConsume, kcatProduce, startRdkafkaMock, type KcatMessage, type RdkafkaMock } from './harness.js';

const CODECS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Records with text and binary keys, a null key, headers, and values that compress. */
function sample(codec: string): KcatMessage[] {
  const headers = (i: number): Record<string, string> => (i < 15 ? { origin: "rxkafka", codec } : {});
  return Array.from({ length: 30 }, (_, i) => ({
    key: i % 10 === 9 ? null : i % 2 === 0 ? `key-${i}` : Buffer.from([0xff, 0, i, 0x0a]),
    value: Buffer.concat([Buffer.from(`${codec} value ${i} `.repeat(3)), Buffer.from([0, 255, i])]),
    headers: headers(i),
  }));
}

const bytes = (v: string | Buffer | null | undefined) => (v === undefined || v === null ? null : Buffer.from(v));
const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
const headerObject = (r: KafkaRecord) => Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? '']));

describeInterop('record batches against librdkafka and kcat', ['librdkafka', 'kcat'], () => {
  let mock: RdkafkaMock;
  let client: KafkaClient;

  beforeAll(async () => {
    mock = await startRdkafkaMock({
      brokers: 3,
      topics: [...CODECS.map((c) => ({ name: `ours-${c}`, partitions: 1 })), ...CODECS.map((c) => ({ name: `theirs-${c}`, partitions: 1 }))],
    });
    client = createClient({ brokers: [...mock.bootstrap], retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 100 } });
  });

  afterAll(async () => {
    await client?.close();
    await mock?.stop();
  });

  /** Everything in partition 0 of a topic, fetched batch by batch (the mock sends one per fetch). */
  async function fetchAll(topic: string, count: number): Promise<KafkaRecord[]> {
    const leader = await firstValueFrom(client.leaderFor(topic, 0));
    const out: KafkaRecord[] = [];
    for (let round = 0; out.length < count && round < 100; round++) {
      const offset = out.length === 0 ? 0n : out[out.length - 1].offset + 1n;
      const res = await firstValueFrom(
        client.request({ nodeId: leader }, Fetch, {
          replicaId: -1,
          maxWaitMs: 500,
          minBytes: 1,
          maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
        }),
      );
      const data = res.responses[0].partitions[0];
      expect(data.errorCode).toBe(0);
      if (data.records === null) continue;
      for (const batch of await decodeRecordBatches(data.records)) out.push(...batch.records.filter((r) => r.offset >= offset));
    }
    return out;
  }

  for (const codec of CODECS) {
    it(`writes a ${codec} batch that kcat reads back identically`, async () => {
      const topic = `ours-${codec}`;
      const messages = sample(codec);
      const batch = await encodeRecordBatch(
        { records: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) },
        { now: Date.now(), compression: codec },
      );
      const leader = await firstValueFrom(client.leaderFor(topic, 0));
      const res = await firstValueFrom(
        client.request({ nodeId: leader }, Produce, {
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
        }),
      );
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      const read = await kcatConsume({ brokers: mock.bootstrap, topic, partition: 0, count: messages.length });
      expect(read.map((r) => [hex(r.key), hex(r.value), r.headers])).toEqual(
        messages.map((m) => [hex(bytes(m.key)), hex(bytes(m.value)), m.headers]),
      );
      expect(read.map((r) => r.offset)).toEqual(messages.map((_, i) => i));
    });
  }

  for (const codec of CODECS.filter((c) => c !== 'none')) {
    it(`fetches and decodes what kcat writes with ${codec}`, async () => {
      const topic = `theirs-${codec}`;
      const messages = sample(codec);
      await kcatProduce({ brokers: mock.bootstrap, topic, partition: 0, messages, compression: codec });
      const records = await fetchAll(topic, messages.length);
      expect(records.map((r) => [hex(r.key), hex(r.value), headerObject(r)])).toEqual(
        messages.map((m) => [hex(bytes(m.key)), hex(bytes(m.value)), m.headers]),
      );
      expect(records.map((r) => r.offset)).toEqual(messages.map((_, i) => BigInt(i)));
    });
  }
});

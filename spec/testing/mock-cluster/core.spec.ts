import * as net from 'node:net';
import { once } from 'node:events';
import { filter, firstValueFrom, lastValueFrom, tap, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createClient, type KafkaClient } from '../../../src/index.js';
import { ApiVersions, decodeResponseFrame, DescribeAcls, encodeRequestFrame, Fetch, ListOffsets, Metadata, Produce } from '../../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../../src/protocol/records/index.js';
import { FrameReader } from '../../../src/network/frame-reader.js';
import { MockCluster } from '../../../src/testing/index.js';
import { testScope } from '../../support/test-scope.js';

const scope = testScope();

const start = scope.cluster;

function client(cluster: MockCluster): KafkaClient {
  const c = createClient({ brokers: cluster.bootstrap, retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 20 } });
  scope.defer(() => c.close());
  return c;
}

const open = scope.open;

const produceBody = (topic: string, partition: number, records: Buffer, acks = -1) => ({
  acks,
  timeoutMs: 1000,
  topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
});

describe('MockCluster core', () => {
  it('answers metadata with its brokers, topics, leaders spread over brokers', async () => {
    const cluster = await start({ brokers: 3 });
    await cluster.createTopic('orders', { partitions: 6, replicationFactor: 3 });
    const meta = await client(cluster).metadata(['orders']);
    expect(meta.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...cluster.bootstrap].sort());
    const topic = meta.topics[0];
    expect(topic.partitions).toHaveLength(6);
    expect(new Set(topic.partitions.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    for (const p of topic.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
    }
  });

  it('auto-creates a topic on metadata when allowed, and not when turned off', async () => {
    const on = await start({ defaultPartitions: 4 });
    expect((await client(on).metadata(['fresh'])).topics[0].partitions).toHaveLength(4);
    const off = await start({ autoCreateTopics: false });
    const meta = await client(off).metadata(['missing']);
    expect(meta.topics[0].error?.code).toBe(3);
  });

  it('appends produced batches at dense offsets, serves them on fetch, and keeps them for records()', async () => {
    const cluster = await start();
    await cluster.createTopic('t', { partitions: 1 });
    const conn = await open(cluster.bootstrap[0]);
    for (const compression of ['none', 'lz4', 'zstd'] as const) {
      const batch = await encodeRecordBatch({ records: [{ key: 'a', value: compression }, { key: 'b', value: compression }] }, { now: Date.now(), compression });
      const res = await firstValueFrom(conn.request(Produce, produceBody('t', 0, batch)));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    expect(cluster.records('t', 0).map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0n, 'none'],
      [1n, 'none'],
      [2n, 'lz4'],
      [3n, 'lz4'],
      [4n, 'zstd'],
      [5n, 'zstd'],
    ]);
    const fetched = await firstValueFrom(
      conn.request(
        Fetch,
        { maxWaitMs: 0, maxBytes: 1 << 20, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 3n, partitionMaxBytes: 1 << 20 }] }] },
        { version: 12 },
      ),
    );
    const data = fetched.responses[0].partitions[0];
    expect(data.highWatermark).toBe(6n);
    const records = (await decodeRecordBatches(data.records!)).flatMap((b) => b.records).filter((r) => r.offset >= 3n);
    expect(records.map((r) => r.offset)).toEqual([3n, 4n, 5n]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER from a broker that does not lead, and follows moveLeader', async () => {
    const cluster = await start({ brokers: 2 });
    await cluster.createTopic('t', { partitions: 1, replicationFactor: 2 });
    const batch = await encodeRecordBatch({ records: [{ value: 'x' }] }, { now: Date.now() });
    const leader = (await client(cluster).metadata(['t'])).topics[0].partitions[0].leader;
    const other = leader === 1 ? 2 : 1;
    const toOther = await open(cluster.bootstrap[other - 1]);
    const refused = await firstValueFrom(toOther.request(Produce, produceBody('t', 0, batch)));
    expect(refused.responses[0].partitionResponses[0].errorCode).toBe(6);
    cluster.moveLeader('t', 0, other);
    const accepted = await firstValueFrom(toOther.request(Produce, produceBody('t', 0, batch)));
    expect(accepted.responses[0].partitionResponses[0].errorCode).toBe(0);
  });

  it('answers injected errors in order, then normally', async () => {
    const cluster = await start();
    await cluster.createTopic('t');
    const conn = await open(cluster.bootstrap[0]);
    cluster.injectErrors('Produce', [6, 7]);
    const batch = await encodeRecordBatch({ records: [{ value: 'x' }] }, { now: Date.now() });
    const codes = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await firstValueFrom(conn.request(Produce, produceBody('t', 0, batch)))).responses[0].partitionResponses[0].errorCode);
    }
    expect(codes).toEqual([6, 7, 0]);
    expect(cluster.records('t', 0)).toHaveLength(1);
  });

  it('refuses a batch larger than the topic\'s max.message.bytes with MESSAGE_TOO_LARGE, appending nothing', async () => {
    const cluster = await start();
    await cluster.createTopic('t', { configs: { 'max.message.bytes': '200' } });
    const conn = await open(cluster.bootstrap[0]);
    const big = await encodeRecordBatch({ records: [{ value: 'x'.repeat(100) }, { value: 'y'.repeat(100) }] }, { now: Date.now() });
    const small = await encodeRecordBatch({ records: [{ value: 'x'.repeat(100) }] }, { now: Date.now() });
    expect(big.length).toBeGreaterThan(200);
    expect(small.length).toBeLessThanOrEqual(200);
    const codeOf = async (batch: Buffer) =>
      (await firstValueFrom(conn.request(Produce, produceBody('t', 0, batch)))).responses[0].partitionResponses[0].errorCode;
    expect(await codeOf(big)).toBe(10);
    expect(await codeOf(small)).toBe(0);
    expect(cluster.records('t', 0).map((r) => r.value?.toString())).toEqual(['x'.repeat(100)]);
  });

  it('does not answer acks=0 produce, but appends it', async () => {
    const cluster = await start();
    await cluster.createTopic('t');
    const conn = await open(cluster.bootstrap[0]);
    const batch = await encodeRecordBatch({ records: [{ value: 'fire and forget' }] }, { now: Date.now() });
    await lastValueFrom(conn.request(Produce, produceBody('t', 0, batch, 0), { expectResponse: false }), { defaultValue: null });
    // The next answered request on the same connection comes after the append (in-order processing).
    await firstValueFrom(conn.request(ListOffsets, { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }));
    expect(cluster.records('t', 0).map((r) => r.value?.toString())).toEqual(['fire and forget']);
  });

  it('answers ListOffsets for earliest, latest and by timestamp', async () => {
    const cluster = await start();
    await cluster.createTopic('t');
    const conn = await open(cluster.bootstrap[0]);
    for (const ts of [1000, 2000, 3000]) {
      const batch = await encodeRecordBatch({ records: [{ value: String(ts), timestamp: ts }] }, { now: Date.now() });
      await firstValueFrom(conn.request(Produce, produceBody('t', 0, batch)));
    }
    const ask = async (timestamp: bigint) =>
      (await firstValueFrom(conn.request(ListOffsets, { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp }] }] })))
        .topics[0].partitions[0].offset;
    expect(await ask(-2n)).toBe(0n);
    expect(await ask(-1n)).toBe(3n);
    expect(await ask(1500n)).toBe(1n);
    expect(await ask(9999n)).toBe(3n);
  });

  it('holds a fetch until data arrives or maxWaitMs passes on its scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const cluster = await start({ scheduler });
    await cluster.createTopic('t');
    const conn = await open(cluster.bootstrap[0]);
    const writer = await open(cluster.bootstrap[0]);
    const fetchBody = { maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] };
    const fetchIn = () => firstValueFrom(cluster.requests$.pipe(filter((r) => r.apiKey === Fetch.apiKey)));

    // Answered by the timer alone, once virtual time passes maxWaitMs.
    let answered = false;
    const arrived = fetchIn();
    const empty = firstValueFrom(conn.request(Fetch, fetchBody, { version: 12 }).pipe(tap(() => (answered = true))));
    await arrived;
    scheduler.flush();
    expect((await empty).responses[0].partitions[0].records?.length).toBe(0);
    expect(answered).toBe(true);

    // Answered by an append, without any virtual time passing.
    const arrivedAgain = fetchIn();
    const waiting = firstValueFrom(conn.request(Fetch, fetchBody, { version: 12 }));
    await arrivedAgain;
    const batch = await encodeRecordBatch({ records: [{ value: 'wake up' }] }, { now: Date.now() });
    await firstValueFrom(writer.request(Produce, produceBody('t', 0, batch)));
    const woke = await waiting;
    const [b] = await decodeRecordBatches(woke.responses[0].partitions[0].records!);
    expect(b.records[0].value?.toString()).toBe('wake up');
  });

  it('answers an API it does not serve with an error answer, keeping the connection', async () => {
    const cluster = await start();
    const conn = await open(cluster.bootstrap[0]);
    const res = await firstValueFrom(conn.request(DescribeAcls, {}, { version: DescribeAcls.maxVersion }));
    expect(res.errorCode).toBe(35);
    expect(conn.closed).toBe(false);
  });

  it('answers a version it does not speak with UNSUPPORTED_VERSION in its nearest version, keeping the connection', async () => {
    const logged: string[] = [];
    const cluster = await start({ log: (m) => logged.push(m) });
    const [host, port] = cluster.bootstrap[0].split(':');
    const socket = net.connect(Number(port), host);
    scope.defer(() => void socket.destroy());
    await once(socket, 'connect');
    const frame = encodeRequestFrame(DescribeAcls, DescribeAcls.maxVersion, 9, 'raw', {});
    frame.writeInt16BE(DescribeAcls.maxVersion + 5, 6);
    socket.write(frame);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    const [payload] = new FrameReader(1 << 20).push(chunk);
    const { correlationId, body } = decodeResponseFrame(DescribeAcls, DescribeAcls.maxVersion, payload);
    expect(correlationId).toBe(9);
    expect(body.errorCode).toBe(35);
    expect(socket.destroyed).toBe(false);
    expect(logged.some((m) => /unsupported-version/.test(m))).toBe(true);
  });

  it('answers an ApiVersions version it does not know in v0 form, naming its range', async () => {
    const cluster = await start();
    const [host, port] = cluster.bootstrap[0].split(':');
    const socket = net.connect(Number(port), host);
    scope.defer(() => void socket.destroy());
    await once(socket, 'connect');
    const frame = encodeRequestFrame(ApiVersions, 0, 7, 'raw', {});
    frame.writeInt16BE(99, 6); // claim ApiVersions v99
    socket.write(frame);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    const [payload] = new FrameReader(1 << 20).push(chunk);
    expect(payload.readInt32BE(0)).toBe(7);
    const body = ApiVersions.decodeResponse(0, payload.subarray(4));
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: ApiVersions.minVersion, maxVersion: ApiVersions.maxVersion }]);
  });

  it('closes only the connection that sent a malformed request, and logs it', async () => {
    const logged: string[] = [];
    const cluster = await start({ log: (m) => logged.push(m) });
    const healthy = await open(cluster.bootstrap[0]);
    const [host, port] = cluster.bootstrap[0].split(':');
    const socket = net.connect(Number(port), host);
    await once(socket, 'connect');
    const frame = encodeRequestFrame(Metadata, 12, 1, 'bad', { topics: [{ name: 'x' }] });
    frame.fill(0xff, frame.length - 6); // a valid header, then a body that does not decode
    socket.write(frame);
    await once(socket, 'close');
    expect(logged.some((m) => /malformed request \(api 3 v12\)/.test(m))).toBe(true);
    const still = await firstValueFrom(healthy.request(ListOffsets, { replicaId: -1, topics: [] }));
    expect(still.topics).toEqual([]);
  });

  it('refuses connections to a broker that is down and accepts them again once up', async () => {
    const cluster = await start({ brokers: 2 });
    await cluster.createTopic('t', { partitions: 2, replicationFactor: 2 });
    cluster.setBrokerDown(2);
    await expect(open(cluster.bootstrap[1])).rejects.toThrow();
    const meta = await client(cluster).metadata(['t']);
    expect(meta.brokers.map((b) => b.id)).toEqual([1]);
    expect(meta.topics[0].partitions.every((p) => p.leader === 1)).toBe(true);
    cluster.setBrokerUp(2);
    const conn = await open(cluster.bootstrap[1]);
    expect(conn.apiVersions.size).toBeGreaterThan(4);
  });

  it('delays answers by the latency set on a broker, on its scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const cluster = await start({ scheduler });
    const conn = await open(cluster.bootstrap[0]);
    cluster.setLatency(1, 2000);
    let done = false;
    const arrived = firstValueFrom(cluster.requests$.pipe(filter((r) => r.apiKey === ListOffsets.apiKey)));
    const pending = firstValueFrom(conn.request(ListOffsets, { replicaId: -1, topics: [] }).pipe(tap(() => (done = true))));
    await arrived;
    expect(done).toBe(false);
    scheduler.flush();
    expect(scheduler.frame).toBe(2000);
    await pending;
    expect(done).toBe(true);
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  ApiVersions,
  decodeRequestFrame,
  encodeRequestFrame,
  Fetch,
  ListOffsets,
  Metadata,
  Produce,
  type Api,
} from '../../../src/protocol/messages/index.js';

/**
 * Byte-for-byte agreement with an independent implementation: KafkaJS's hand-written request
 * encoders and response decoders (classic, non-flexible versions, which is what it speaks).
 */

const require = createRequire(import.meta.url);
const KJS = 'kafkajs/src/protocol/requests';

interface KjsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}
type KjsFactory = (args: Record<string, unknown>) => KjsRequest;
type KjsDecoder = { decode(raw: Buffer): Promise<Record<string, unknown>> };

const kjsRequest = (api: string, v: number): KjsFactory => require(`${KJS}/${api}/v${v}/request.js`) as KjsFactory;
const kjsResponse = (api: string, v: number): KjsDecoder => require(`${KJS}/${api}/v${v}/response.js`) as KjsDecoder;
const kjsFrame = require('kafkajs/src/protocol/request.js') as (a: {
  correlationId: number;
  clientId: string;
  request: KjsRequest;
}) => Promise<{ buffer: Buffer }>;

async function kjsBytes(api: string, v: number, args: Record<string, unknown>): Promise<Buffer> {
  const req = kjsRequest(api, v)(args);
  expect(req.apiVersion).toBe(v);
  return (await req.encode()).buffer;
}

/** Ours must encode exactly KafkaJS's bytes, and decode KafkaJS's bytes back to what we meant. */
async function agree<Req>(api: Api<Req, unknown>, kjsName: string, v: number, kjsArgs: Record<string, unknown>, ours: object) {
  const theirs = await kjsBytes(kjsName, v, kjsArgs);
  const mine = api.encodeRequest(v, ours as never);
  expect(mine.toString('hex'), `${api.name} v${v}`).toBe(theirs.toString('hex'));
  const decoded = api.decodeRequest(v, theirs);
  expect(api.encodeRequest(v, decoded as never).equals(theirs)).toBe(true);
  return decoded;
}

describe('requests agree with KafkaJS byte for byte', () => {
  it('ApiVersions v0-v2', async () => {
    for (const v of [0, 1, 2]) await agree(ApiVersions, 'apiVersions', v, {}, {});
  });

  it('Metadata v0-v6', async () => {
    const topics = ['orders', 'payments-é'];
    for (const v of [0, 1, 2, 3, 4, 5, 6]) {
      const decoded = await agree(Metadata, 'metadata', v, { topics, allowAutoTopicCreation: false }, {
        topics: topics.map((name) => ({ name })),
        allowAutoTopicCreation: false,
      });
      expect(decoded.topics?.map((t) => t.name)).toEqual(topics);
      expect(decoded.allowAutoTopicCreation).toBe(v >= 4 ? false : true);
    }
  });

  it('Produce v3 (records passed through untouched)', async () => {
    const args = {
      acks: -1,
      timeout: 30000,
      transactionalId: 'tx-1',
      topicData: [
        { topic: 't1', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', timestamp: 1700000000000 }] }] },
        { topic: 't2', partitions: [{ partition: 3, messages: [{ value: 'x', timestamp: 1700000000001 }] }] },
      ],
    };
    const theirs = await kjsBytes('produce', 3, args);
    const decoded = Produce.decodeRequest(3, theirs);
    expect(decoded.transactionalId).toBe('tx-1');
    expect(decoded.acks).toBe(-1);
    expect(decoded.timeoutMs).toBe(30000);
    expect(decoded.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)])).toEqual([
      ['t1', [0]],
      ['t2', [3]],
    ]);
    // A RecordBatch v2 starts with baseOffset(8) batchLength(4) leaderEpoch(4) magic(1) = 2.
    expect(decoded.topicData[0].partitionData[0].records?.[16]).toBe(2);
    expect(Produce.encodeRequest(3, decoded).equals(theirs)).toBe(true);
  });

  it('Fetch v4-v11', async () => {
    for (const v of [4, 5, 6, 7, 8, 9, 10, 11]) {
      const kjs = {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: -1,
        rackId: 'rack-a',
        topics: [
          {
            topic: 'events',
            partitions: [
              { partition: 0, fetchOffset: '42', maxBytes: 1048576, currentLeaderEpoch: 7, logStartOffset: '-1' },
              { partition: 5, fetchOffset: '9007199254740993', maxBytes: 1024, currentLeaderEpoch: -1, logStartOffset: '-1' },
            ],
          },
        ],
      };
      const ours = {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: -1,
        rackId: 'rack-a',
        topics: [
          {
            topic: 'events',
            partitions: [
              { partition: 0, fetchOffset: 42n, partitionMaxBytes: 1048576, currentLeaderEpoch: 7, logStartOffset: -1n },
              { partition: 5, fetchOffset: 9007199254740993n, partitionMaxBytes: 1024, currentLeaderEpoch: -1, logStartOffset: -1n },
            ],
          },
        ],
      };
      const decoded = await agree(Fetch, 'fetch', v, kjs, ours);
      expect(decoded.topics[0].partitions[1].fetchOffset).toBe(9007199254740993n);
      expect(decoded.rackId).toBe(v >= 11 ? 'rack-a' : '');
    }
  });

  it('ListOffsets v1-v3', async () => {
    for (const v of [1, 2, 3]) {
      const decoded = await agree(
        ListOffsets,
        'listOffsets',
        v,
        { replicaId: -1, isolationLevel: 1, topics: [{ topic: 'a', partitions: [{ partition: 2, timestamp: -2 }] }] },
        { replicaId: -1, isolationLevel: 1, topics: [{ name: 'a', partitions: [{ partitionIndex: 2, timestamp: -2n }] }] },
      );
      expect(decoded.topics[0].partitions[0].timestamp).toBe(-2n);
    }
  });

  it('whole request frames (header v1) match, and decode on the broker side', async () => {
    const theirs = (
      await kjsFrame({ correlationId: 77, clientId: 'kafkajs', request: kjsRequest('metadata', 1)({ topics: ['x'] }) })
    ).buffer;
    const mine = encodeRequestFrame(Metadata, 1, 77, 'kafkajs', { topics: [{ name: 'x' }] });
    expect(mine.toString('hex')).toBe(theirs.toString('hex'));
    const frame = decodeRequestFrame(theirs.subarray(4));
    expect(frame).toMatchObject({ ok: true, apiKey: 3, apiVersion: 1, correlationId: 77, clientId: 'kafkajs' });
  });
});

describe('KafkaJS decodes our responses', () => {
  it('Metadata v0-v6', async () => {
    const body = {
      throttleTimeMs: 5,
      brokers: [{ nodeId: 1, host: 'b1', port: 9092, rack: 'r1' }],
      clusterId: 'cluster',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] },
          ],
        },
      ],
    };
    for (const v of [0, 1, 2, 3, 4, 5, 6]) {
      const out = await kjsResponse('metadata', v).decode(Metadata.encodeResponse(v, body));
      const topic = (out.topicMetadata as Array<Record<string, unknown>>)[0];
      expect(topic.topic).toBe('orders');
      const p = (topic.partitionMetadata as Array<Record<string, unknown>>)[0];
      expect([p.partitionId, p.leader, p.replicas, p.isr]).toEqual([0, 1, [1, 2], [1]]);
      const b = (out.brokers as Array<Record<string, unknown>>)[0];
      expect([b.nodeId, b.host, b.port]).toEqual([1, 'b1', 9092]);
      if (v >= 1) expect(out.controllerId).toBe(1);
      if (v >= 2) expect(out.clusterId).toBe('cluster');
      if (v >= 5) expect(p.offlineReplicas).toEqual([2]);
    }
  });

  it('ApiVersions v0-v2', async () => {
    for (const v of [0, 1, 2]) {
      const bytes = ApiVersions.encodeResponse(v, {
        errorCode: 0,
        apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }],
        throttleTimeMs: 9,
      });
      const out = await kjsResponse('apiVersions', v).decode(bytes);
      expect(out.apiVersions).toEqual([{ apiKey: 3, minVersion: 0, maxVersion: 12 }]);
      // KafkaJS reports a v2+ throttle as client-side (the broker has already throttled).
      if (v === 1) expect(out.throttleTime).toBe(9);
      if (v === 2) expect(out.clientSideThrottleTime).toBe(9);
    }
  });

  it('ListOffsets v1-v3', async () => {
    for (const v of [1, 2, 3]) {
      const bytes = ListOffsets.encodeResponse(v, {
        throttleTimeMs: 0,
        topics: [{ name: 'a', partitions: [{ partitionIndex: 2, errorCode: 0, timestamp: -1n, offset: 1234567890123n }] }],
      });
      const out = await kjsResponse('listOffsets', v).decode(bytes);
      const p = (out.responses as Array<{ topic: string; partitions: Array<Record<string, unknown>> }>)[0];
      expect(p.topic).toBe('a');
      expect(p.partitions[0].partition).toBe(2);
      expect(String(p.partitions[0].offset)).toBe('1234567890123');
    }
  });
});

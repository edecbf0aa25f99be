import * as net from 'node:net';
import { once } from 'node:events';
import { firstValueFrom, lastValueFrom, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  FrameTooLargeError,
  KafkaConnectionError,
  RequestTimeoutError,
  UnsupportedVersionError,
  type Connection,
  type ConnectionOptions,
} from '../../src/network/index.js';
import { ApiVersions, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { EncodingError, KafkaProtocolError } from '../../src/errors.js';
import { FakeBroker, type FakeBrokerOptions } from '../support/fake-broker.js';
import { SPOILED_ANSWERS } from '../support/spoiled-answers.js';

const metadataAnswer = (name: string) => ({
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 1 }],
  topics: [{ errorCode: 0, name, partitions: [] }],
});

let broker: FakeBroker | undefined;
const subs: Subscription[] = [];

afterEach(async () => {
  for (const s of subs.splice(0)) s.unsubscribe();
  await broker?.stop();
  broker = undefined;
});

/** Opens a connection and keeps it open for the test; resolves with it and its failure, if any. */
async function open(options: FakeBrokerOptions, extra: Partial<ConnectionOptions> = {}) {
  broker = await FakeBroker.start(options);
  let failure: unknown;
  const ready = new Promise<Connection>((resolve, reject) => {
    subs.push(
      connect({ host: '127.0.0.1', port: broker!.port, ...extra }).subscribe({
        next: resolve,
        error: (e: unknown) => {
          failure = e;
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      }),
    );
  });
  const conn = await ready;
  return { conn, failure: () => failure };
}

describe('connection', () => {
  it('negotiates versions in the handshake and answers a request at the highest common one', async () => {
    const { conn } = await open({
      announce: new Map([[Metadata.apiKey, { min: 0, max: 2 }]]),
      handle: (f) => ({ body: metadataAnswer(`v${f.apiVersion}`) }),
    });
    expect(conn.apiVersions.get(Metadata.apiKey)).toEqual({ min: 0, max: 2 });
    const res = await firstValueFrom(conn.request(Metadata, { topics: null }));
    expect(res.topics[0].name).toBe('v2');
    expect(broker!.requests.map((r) => [r.apiKey, r.apiVersion])).toEqual([
      [ApiVersions.apiKey, ApiVersions.maxVersion],
      [Metadata.apiKey, 2],
    ]);
  });

  it('asks ApiVersions again at the version an older broker names', async () => {
    const { conn } = await open({ apiVersionsMax: 2 });
    expect(conn.apiVersions.size).toBeGreaterThan(10);
    expect(broker!.requests.map((r) => r.apiVersion)).toEqual([ApiVersions.maxVersion, 2]);
  });

  it('refuses an API the broker does not offer in a common version', async () => {
    const { conn } = await open({ announce: new Map([[Produce.apiKey, { min: 50, max: 60 }]]) });
    expect(() => conn.versionFor(Produce)).toThrow(UnsupportedVersionError);
    await expect(firstValueFrom(conn.request(Produce, {}))).rejects.toBeInstanceOf(UnsupportedVersionError);
  });

  it('pipelines requests, never more than maxInFlight outstanding, and routes answers by correlation id', async () => {
    const held: Array<{ socket: net.Socket; id: number; version: number; name: string }> = [];
    let maxOutstanding = 0;
    const { conn } = await open(
      {
        handle: (f, socket) => {
          const body = f.body as { topics: Array<{ name: string }> };
          held.push({ socket, id: f.correlationId, version: f.apiVersion, name: body.topics[0].name });
          maxOutstanding = Math.max(maxOutstanding, held.length);
          if (held.length === 3) {
            // answer out of order: newest first
            for (const h of held.splice(0).reverse()) {
              h.socket.write(FakeBroker.frameFor(Metadata.apiKey, h.version, h.id, metadataAnswer(h.name)));
            }
          }
          return 'ignore';
        },
      },
      { maxInFlight: 3 },
    );
    const names = Array.from({ length: 12 }, (_, i) => `t${i}`);
    const answers = await Promise.all(
      names.map((name) => firstValueFrom(conn.request(Metadata, { topics: [{ name }] }))),
    );
    expect(answers.map((a) => a.topics[0].name)).toEqual(names);
    expect(maxOutstanding).toBe(3);
  });

  it('times a request out on the scheduler, drops the late answer, and stays usable', async () => {
    const scheduler = new VirtualTimeScheduler();
    let late: { socket: net.Socket; id: number; version: number } | undefined;
    const { conn, failure } = await open(
      {
        handle: (f, socket) => {
          const body = f.body as { topics: Array<{ name: string }> };
          if (body.topics[0].name === 'slow') {
            late = { socket, id: f.correlationId, version: f.apiVersion };
            return 'ignore';
          }
          return { body: metadataAnswer('fast') };
        },
      },
      { scheduler, requestTimeoutMs: 5000 },
    );
    const slow = firstValueFrom(conn.request(Metadata, { topics: [{ name: 'slow' }] }));
    await broker!.received(2);
    scheduler.flush();
    await expect(slow).rejects.toBeInstanceOf(RequestTimeoutError);
    late!.socket.write(FakeBroker.frameFor(Metadata.apiKey, late!.version, late!.id, metadataAnswer('slow')));
    const next = await firstValueFrom(conn.request(Metadata, { topics: [{ name: 'x' }] }));
    expect(next.topics[0].name).toBe('fast');
    expect(failure()).toBeUndefined();
    expect(conn.closed).toBe(false);
  });

  it('discards the answer of a request unsubscribed before it came, and stays usable', async () => {
    let answerFirst: (() => void) | undefined;
    const { conn, failure } = await open({
      handle: (f, socket) => {
        const name = (f.body as { topics: Array<{ name: string }> }).topics[0].name;
        const frame = FakeBroker.frameFor(Metadata.apiKey, f.apiVersion, f.correlationId, metadataAnswer(name));
        if (name === 'first') {
          answerFirst = () => socket.write(frame);
          return 'ignore';
        }
        return { raw: frame };
      },
    });
    const seen: string[] = [];
    const sub = conn.request(Metadata, { topics: [{ name: 'first' }] }).subscribe((r) => seen.push(r.topics[0].name!));
    await broker!.received(2);
    sub.unsubscribe();
    answerFirst!();
    const second = await firstValueFrom(conn.request(Metadata, { topics: [{ name: 'second' }] }));
    expect(second.topics[0].name).toBe('second');
    expect(seen).toEqual([]);
    expect(failure()).toBeUndefined();
  });

  it('poisons the connection on a frame above the limit: pending requests fail, nothing more is sent', async () => {
    const { conn, failure } = await open(
      {
        handle: () => {
          const huge = Buffer.alloc(4);
          huge.writeInt32BE(2_000_000, 0);
          return { raw: huge };
        },
      },
      { maxFrameBytes: 1_000_000 },
    );
    await expect(firstValueFrom(conn.request(Metadata, { topics: null }))).rejects.toBeInstanceOf(FrameTooLargeError);
    expect(failure()).toBeInstanceOf(FrameTooLargeError);
    expect(conn.closed).toBe(true);
    await expect(firstValueFrom(conn.request(Metadata, { topics: null }))).rejects.toBeInstanceOf(KafkaConnectionError);
  });

  it('poisons the connection on an answer to a request never sent', async () => {
    const { conn, failure } = await open({
      handle: (f) => ({ raw: FakeBroker.frameFor(Metadata.apiKey, f.apiVersion, f.correlationId + 1000, metadataAnswer('x')) }),
    });
    await expect(firstValueFrom(conn.request(Metadata, { topics: null }))).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(failure()).toBeInstanceOf(KafkaConnectionError);
  });

  it.each(SPOILED_ANSWERS)('fails a request whose answer is %s with KafkaProtocolError at once, and replaces the connection', async (_what, spoil) => {
    let first = true;
    const { conn, failure } = await open(
      {
        handle: (f) => {
          const answer = FakeBroker.frameFor(Metadata.apiKey, f.apiVersion, f.correlationId, metadataAnswer('x'));
          if (!first) return 'ignore';
          first = false;
          return { raw: spoil(answer) };
        },
      },
      // a request left hanging would end with RequestTimeoutError instead, after a minute
      { requestTimeoutMs: 60_000 },
    );
    const spoiled = firstValueFrom(conn.request(Metadata, { topics: null }));
    const other = firstValueFrom(conn.request(Metadata, { topics: null }));
    await expect(spoiled).rejects.toBeInstanceOf(KafkaProtocolError);
    // the framing can no longer be trusted: the connection is closed, its other requests fail
    await expect(other).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(conn.closed).toBe(true);
    expect(failure()).toBeInstanceOf(KafkaConnectionError);
    expect((failure() as KafkaConnectionError).cause).toBeInstanceOf(KafkaProtocolError);
  });

  /** A Produce whose int32 timeoutMs is out of range: it cannot be encoded. */
  const unencodable = { acks: 1, timeoutMs: 2 ** 40, topicData: [] };

  it('fails a request whose body cannot be encoded with EncodingError, its cause the encoder\'s, and stays usable', async () => {
    const { conn } = await open({ handle: () => ({ body: metadataAnswer('after') }) });
    const error: unknown = await firstValueFrom(conn.request(Produce, unencodable)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodingError);
    expect((error as EncodingError).message).toMatch(/^cannot encode ProduceRequest v\d+: /);
    expect((error as EncodingError).cause).toBeInstanceOf(RangeError);
    const res = await firstValueFrom(conn.request(Metadata, { topics: null }));
    expect(res.topics[0].name).toBe('after');
    // nothing of it went out: the broker read the handshake and the Metadata request only
    expect(broker!.requests.map((r) => r.apiKey)).toEqual([ApiVersions.apiKey, Metadata.apiKey]);
  });

  it('fails a request queued behind others whose body cannot be encoded with EncodingError, once its turn comes, and stays usable', async () => {
    let held: { socket: net.Socket; id: number; version: number } | undefined;
    const { conn } = await open(
      {
        handle: (f, socket) => {
          if (held === undefined) {
            held = { socket, id: f.correlationId, version: f.apiVersion };
            return 'ignore';
          }
          return { body: metadataAnswer('after') };
        },
      },
      { maxInFlight: 1, requestTimeoutMs: 60_000 },
    );
    const first = firstValueFrom(conn.request(Metadata, { topics: null }));
    const queued = firstValueFrom(conn.request(Produce, unencodable)).catch((e: unknown) => e);
    const behind = firstValueFrom(conn.request(Metadata, { topics: null }));
    await broker!.received(2);
    held!.socket.write(FakeBroker.frameFor(Metadata.apiKey, held!.version, held!.id, metadataAnswer('first')));
    expect((await first).topics[0].name).toBe('first');
    const error = await queued;
    expect(error).toBeInstanceOf(EncodingError);
    expect((error as EncodingError).cause).toBeInstanceOf(RangeError);
    // the one queued behind it still goes, on the same connection
    expect((await behind).topics[0].name).toBe('after');
    expect(conn.closed).toBe(false);
  });

  it('completes a request that expects no answer once written', async () => {
    const { conn } = await open({ handle: () => 'ignore' });
    const values = await lastValueFrom(conn.request(Produce, { acks: 0, topicData: [] }, { expectResponse: false }), {
      defaultValue: 'none',
    });
    expect(values).toBe('none');
    await broker!.received(2);
    expect(broker!.requests[1].apiKey).toBe(Produce.apiKey);
  });

  it('closes the socket on unsubscribe and fails what was pending', async () => {
    const { conn } = await open({ handle: () => 'ignore' });
    const pending = firstValueFrom(conn.request(Metadata, { topics: null }));
    await broker!.received(2);
    const [socket] = [...broker!.sockets];
    const closed = once(socket, 'close');
    const failed = expect(pending).rejects.toBeInstanceOf(KafkaConnectionError);
    subs.splice(0).forEach((s) => s.unsubscribe());
    await closed;
    await failed;
  });

  it('reports a refused connection as a KafkaConnectionError', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    await expect(firstValueFrom(connect({ host: '127.0.0.1', port }))).rejects.toBeInstanceOf(KafkaConnectionError);
  });

  it('fails when the broker closes the connection mid-request', async () => {
    const { conn } = await open({ handle: () => 'close' });
    await expect(firstValueFrom(conn.request(Metadata, { topics: null }))).rejects.toBeInstanceOf(KafkaConnectionError);
  });
});

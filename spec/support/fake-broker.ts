import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import {
  apisByKey,
  ApiVersions,
  decodeRequestFrame,
  encodeResponseFrame,
  type RequestFrame,
} from '../../src/protocol/messages/index.js';
import { FrameReader } from '../../src/network/frame-reader.js';

/** What a handler does with one request. */
export type Reply =
  | { body: unknown; version?: number }
  | { raw: Buffer }
  | 'ignore'
  | 'close';

export interface FakeBrokerOptions {
  /** Highest ApiVersions version this broker knows; above it, it answers UNSUPPORTED_VERSION in v0 form. */
  apiVersionsMax?: number;
  /** Extra ranges to announce instead of ours, by api key. */
  announce?: Map<number, { min: number; max: number }>;
  /** Serve TLS with this key and certificate instead of plain TCP. */
  tls?: { key: Buffer; cert: Buffer };
  handle?: (frame: RequestFrame & { ok: true }, socket: net.Socket) => Reply;
}

/**
 * A scripted broker for connection-level tests: it speaks the framing and the ApiVersions
 * handshake, and lets each test decide how every other request is answered (or not).
 */
export class FakeBroker {
  readonly requests: Array<{ apiKey: number; apiVersion: number; correlationId: number }> = [];
  readonly sockets = new Set<net.Socket>();
  private readonly listeners: Array<() => void> = [];
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const server = options.tls ? tls.createServer(options.tls) : net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const broker = new FakeBroker(server, (server.address() as net.AddressInfo).port);
    server.on(options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => broker.serve(socket, options));
    server.on('tlsClientError', () => undefined);
    return broker;
  }

  /** Resolves once `n` requests (handshakes included) have arrived. */
  received(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length >= n) {
          resolve();
          return true;
        }
        return false;
      };
      if (!check()) this.listeners.push(() => void check());
    });
  }

  private serve(socket: net.Socket, options: FakeBrokerOptions): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const frames = new FrameReader(1 << 24);
    socket.on('data', (chunk) => {
      for (const payload of frames.push(chunk)) {
        const frame = decodeRequestFrame(payload);
        this.requests.push({ apiKey: frame.apiKey, apiVersion: frame.apiVersion, correlationId: frame.correlationId });
        for (const l of this.listeners) l();
        if (frame.apiKey === ApiVersions.apiKey) {
          socket.write(this.apiVersionsAnswer(frame, options));
          continue;
        }
        if (!frame.ok) throw frame.error;
        const reply = options.handle?.(frame, socket) ?? 'ignore';
        if (reply === 'ignore') continue;
        if (reply === 'close') socket.destroy();
        else if ('raw' in reply) socket.write(reply.raw);
        else socket.write(encodeResponseFrame(frame.api, reply.version ?? frame.apiVersion, frame.correlationId, reply.body));
      }
    });
  }

  private apiVersionsAnswer(frame: RequestFrame, options: FakeBrokerOptions): Buffer {
    const max = options.apiVersionsMax ?? ApiVersions.maxVersion;
    const apiKeys = [...apisByKey.values()].map((a) => {
      const r = options.announce?.get(a.apiKey);
      return { apiKey: a.apiKey, minVersion: r?.min ?? a.minVersion, maxVersion: r?.max ?? (a === ApiVersions ? max : a.maxVersion) };
    });
    if (frame.apiVersion > max) {
      return encodeResponseFrame(ApiVersions, 0, frame.correlationId, { errorCode: 35, apiKeys });
    }
    return encodeResponseFrame(ApiVersions, frame.apiVersion, frame.correlationId, { errorCode: 0, apiKeys });
  }

  /** Answers a request later, as the given body. */
  static frameFor(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
    const api = apisByKey.get(apiKey);
    if (api === undefined) throw new Error(`no api ${apiKey}`);
    return encodeResponseFrame(api, version, correlationId, body);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

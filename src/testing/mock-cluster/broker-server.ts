import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { concatMap, defer, EMPTY, from, isObservable, map, Observable, of, Subject, take, timer, type Subscription } from 'rxjs';
import { FrameReader } from '../../network/frame-reader.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  ApiVersions,
  decodeRequestFrame,
  encodeResponseFrame,
  SaslAuthenticate,
  SaslHandshake,
  type AnyApi,
  type RequestFrame,
} from '../../protocol/messages/index.js';
import { genericErrorResponse } from './error-response.js';
import { NO_RESPONSE, serves, type ApiHandler, type HandlerResult, type RequestContext, type SessionState } from './handler.js';
import type { ClusterState, MockBroker } from './state.js';
import type { MemoryNetwork, MemoryServerSocket } from '../memory-network.js';

const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

export interface ListenerOptions {
  tls?: tls.TlsOptions;
  /** When set, a connection must authenticate before any API but ApiVersions and SASL. */
  saslRequired: boolean;
}

/** A TCP or TLS socket as a broker connection. */
function fromNetSocket(socket: net.Socket): MemoryServerSocket {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  return {
    write: (data) => void socket.write(data),
    onData: (l) => socket.on('data', l),
    onClose: (l) => socket.on('close', l),
    destroy: () => socket.destroy(),
  };
}

/**
 * One broker's listener, on a loopback port or on a MemoryNetwork. Each connection's requests
 * are answered one at a time, in order, as a Kafka broker does; a request that cannot be
 * decoded closes that connection only.
 */
export class BrokerServer {
  private server: net.Server | null = null;
  private network: MemoryNetwork | null = null;
  private readonly sockets = new Set<MemoryServerSocket>();

  constructor(
    readonly broker: MockBroker,
    private readonly cluster: ClusterState,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    private readonly options: ListenerOptions,
  ) {}

  /** Listens on a loopback port (0: one the OS picks); resolves with the port. */
  async listen(port = 0): Promise<number> {
    const server = this.options.tls ? tls.createServer(this.options.tls) : net.createServer();
    this.server = server;
    server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => this.accept(fromNetSocket(socket)));
    server.on('tlsClientError', (e: Error) => this.cluster.log(`broker ${this.broker.id}: TLS handshake failed: ${e.message}`));
    server.listen(port, this.broker.host);
    await once(server, 'listening');
    return (server.address() as net.AddressInfo).port;
  }

  /** Listens on an in-memory network at the broker's host and port. */
  listenOn(network: MemoryNetwork): void {
    this.network = network;
    network.listen(this.broker.host, this.broker.port, (socket) => this.accept(socket));
  }

  /** Closes every open connection (a broker going down, or the cluster stopping). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.dropConnections();
    this.network?.unlisten(this.broker.host, this.broker.port);
    const server = this.server;
    if (server === null || !server.listening) return;
    const closed = once(server, 'close');
    server.close();
    await closed;
  }

  private accept(socket: MemoryServerSocket): void {
    if (!this.broker.up) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const session: SessionState = {
      clientId: null,
      authenticated: !this.options.saslRequired,
      saslMechanism: null,
      saslExchange: undefined,
      principal: null,
    };
    const frames = new FrameReader(MAX_REQUEST_BYTES);
    const incoming = new Subject<Buffer>();
    const answers: Subscription = incoming
      .pipe(concatMap((payload) => this.answer(payload, session)))
      .subscribe({
        next: (frame) => {
          if (frame === null) socket.destroy();
          else socket.write(frame);
        },
        error: (e: unknown) => {
          this.cluster.log(`broker ${this.broker.id}: ${e instanceof Error ? e.message : String(e)}`);
          socket.destroy();
        },
      });
    socket.onData((chunk: Buffer) => {
      try {
        for (const f of frames.push(chunk)) incoming.next(f);
      } catch (e) {
        this.cluster.log(`broker ${this.broker.id}: bad frame: ${e instanceof Error ? e.message : String(e)}`);
        socket.destroy();
      }
    });
    socket.onClose(() => {
      this.sockets.delete(socket);
      answers.unsubscribe();
      incoming.complete();
    });
  }

  /** The response frame for one request, nothing for a request not answered, null to close. */
  private answer(payload: Buffer, session: SessionState): Observable<Buffer | null> {
    let frame: RequestFrame;
    try {
      frame = decodeRequestFrame(payload);
    } catch (e) {
      this.cluster.log(`broker ${this.broker.id}: unreadable request header: ${e instanceof Error ? e.message : String(e)}`);
      return from([null]);
    }
    session.clientId = frame.clientId;
    this.cluster.requests$.next({ broker: this.broker.id, apiKey: frame.apiKey, apiVersion: frame.apiVersion, correlationId: frame.correlationId, body: frame.ok ? frame.body : undefined });
    const handler = this.handlers.get(frame.apiKey);

    if (!frame.ok) {
      if (frame.apiKey === ApiVersions.apiKey && frame.reason === 'unsupported-version') {
        // The one answer every client understands: v0, naming the versions we do speak.
        return this.delayed(
          encodeResponseFrame(ApiVersions, 0, frame.correlationId, {
            errorCode: ErrorCode.UNSUPPORTED_VERSION,
            apiKeys: this.cluster.served.filter((v) => v.apiKey === ApiVersions.apiKey),
          }),
        );
      }
      this.cluster.log(`broker ${this.broker.id}: ${frame.reason} request (api ${frame.apiKey} v${frame.apiVersion}): ${frame.error.message}`);
      if (frame.reason === 'unsupported-version' && frame.api !== undefined) {
        // No layout exists for that version: answer UNSUPPORTED_VERSION in the nearest one we
        // have, so the connection lives on (ApiVersions would have told the client our range).
        const api: AnyApi = frame.api;
        const version = Math.min(Math.max(frame.apiVersion, api.minVersion), api.maxVersion);
        return this.delayed(
          encodeResponseFrame(api, version, frame.correlationId, genericErrorResponse(api.response, version, ErrorCode.UNSUPPORTED_VERSION)),
        );
      }
      return from([null]);
    }

    const api: AnyApi = frame.api;
    if (!session.authenticated && !isSaslPhaseApi(frame.apiKey)) {
      this.cluster.log(`broker ${this.broker.id}: ${api.name} before authentication`);
      return from([null]);
    }
    const respond = (body: unknown) => encodeResponseFrame(api, frame.apiVersion, frame.correlationId, body);
    if (handler === undefined) {
      return this.delayed(respond(genericErrorResponse(api.response, frame.apiVersion, ErrorCode.UNSUPPORTED_VERSION)));
    }
    const ctx: RequestContext = {
      cluster: this.cluster,
      broker: this.broker,
      session,
      apiVersion: frame.apiVersion,
      correlationId: frame.correlationId,
    };
    const failWith = (code: number) =>
      this.delayed(respond(handler.errorResponse ? handler.errorResponse(frame.body, code, ctx) : genericErrorResponse(api.response, frame.apiVersion, code)));
    // a version the codecs read but the handler does not implement (an older broker, or a
    // client ignoring ApiVersions)
    if (!serves(handler, frame.apiVersion)) return failWith(ErrorCode.UNSUPPORTED_VERSION);
    const injected = this.cluster.takeInjectedError(frame.apiKey, this.broker.id);
    // 0 in the queue lets its request through: errors can be aimed at the 2nd request of several
    if (injected !== undefined && injected !== ErrorCode.NONE) return failWith(injected);
    return defer(() => toObservable(handler.handle(frame.body, ctx))).pipe(
      take(1),
      concatMap((result) => (result === NO_RESPONSE ? EMPTY : this.delayed(respond(result)))),
    );
  }

  private delayed(frame: Buffer): Observable<Buffer> {
    const ms = this.broker.latencyMs;
    return ms > 0 ? timer(ms, this.cluster.scheduler).pipe(map(() => frame)) : from([frame]);
  }
}

function isSaslPhaseApi(apiKey: number): boolean {
  return apiKey === ApiVersions.apiKey || apiKey === SaslHandshake.apiKey || apiKey === SaslAuthenticate.apiKey;
}

function toObservable<T>(result: T | Promise<T> | Observable<T>): Observable<T> {
  if (isObservable(result)) return result;
  // A plain value is answered in the same turn, so a delay starts as the request is read.
  return result instanceof Promise ? from(result) : of(result);
}

export type { HandlerResult };

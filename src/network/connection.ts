import { catchError, concatMap, Observable, of, switchMap, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { asKafkaError, KafkaError, KafkaProtocolError, messageOf } from '../errors.js';
import { encodeRequestFrameChunks } from '../protocol/messages/header.js';
import { ApiVersions, peekCorrelationId, type Api, type Input } from '../protocol/messages/index.js';
import { authenticate, type SaslOptions } from './authenticate.js';
import { KafkaConnectionError, RequestTimeoutError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { negotiateApiVersions, pickVersion, decodeAnswer, type VersionRange } from './negotiate.js';
import { socketTransport, type Transport, type TransportSocket, type TransportTarget } from './transport.js';

export interface ConnectionOptions extends TransportTarget {
  clientId?: string;
  /** Time allowed for TCP/TLS connect plus the ApiVersions handshake. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Default time allowed for each request's answer. Default 30 s. */
  requestTimeoutMs?: number;
  /** Requests written and not yet answered; more wait in order. Default 10. */
  maxInFlight?: number;
  /** Largest response frame accepted; a larger one poisons the connection. Default 100 MiB. */
  maxFrameBytes?: number;
  scheduler?: SchedulerLike;
  transport?: Transport;
  /** Authenticate with SASL after the ApiVersions handshake. */
  sasl?: SaslOptions;
}

export interface RequestOptions {
  /** Version to use; default: the highest both sides support. */
  version?: number;
  /** Cap on the negotiated version (APIs whose newer versions are for brokers only). */
  maxVersion?: number;
  timeoutMs?: number;
  /** False for requests the broker does not answer (Produce with acks=0). */
  expectResponse?: boolean;
}

export interface ConnectionStats {
  inFlight: number;
  queued: number;
  requests: number;
  errors: number;
}

/** An open, negotiated connection to one broker. Requests are cold observables. */
export interface Connection {
  readonly broker: string;
  /** API versions the broker announced in the handshake. */
  readonly apiVersions: ReadonlyMap<number, VersionRange>;
  readonly closed: boolean;
  stats(): ConnectionStats;
  /** The version `request` would use for this API; throws UnsupportedVersionError if none. */
  versionFor(api: Api<unknown, unknown>, options?: Pick<RequestOptions, 'version' | 'maxVersion'>): number;
  request<Req, Res>(api: Api<Req, Res>, body: Input<Req>, options?: RequestOptions): Observable<Res>;
}

interface Pending {
  api: Api<unknown, unknown>;
  version: number;
  /** Null once the caller unsubscribed: the answer is read and dropped. */
  subscriber: Subscriber<unknown> | null;
  timer: Subscription | null;
}

interface Queued {
  /** The request's frame, as chunks to write in order. */
  frame: (correlationId: number) => Uint8Array[];
  api: Api<unknown, unknown>;
  version: number;
  expectResponse: boolean;
  timeoutMs: number;
  subscriber: Subscriber<unknown>;
}

/**
 * A connection to one broker as a cold observable: subscribe connects (TCP or TLS, then
 * ApiVersions), emits the Connection once ready, and errors if the connection later breaks;
 * unsubscribe closes it. A broken frame, an oversized frame, a failed write or an answer to a
 * request never sent poisons the connection: it is closed and every pending request fails.
 */
export function connect(options: ConnectionOptions): Observable<Connection> {
  return new Observable<Connection>((outer) => {
    const broker = `${options.host}:${options.port}`;
    const scheduler = options.scheduler ?? defaultScheduler;
    const transport = options.transport ?? socketTransport;
    const clientId = options.clientId ?? 'rxkafka';
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const maxInFlight = options.maxInFlight ?? 10;
    const frames = new FrameReader(options.maxFrameBytes ?? 100 * 1024 * 1024);

    let socket: TransportSocket | null = null;
    let closed = false;
    let nextCorrelationId = 0;
    const pending = new Map<number, Pending>();
    /** Ids whose requests timed out: their late answers are dropped, not treated as broken. */
    const abandoned = new Set<number>();
    const queue: Queued[] = [];
    let versions = new Map<number, VersionRange>();
    let requests = 0;
    let errors = 0;

    const failAll = (failure: KafkaError) => {
      for (const p of pending.values()) {
        p.timer?.unsubscribe();
        p.subscriber?.error(failure);
      }
      pending.clear();
      for (const q of queue.splice(0)) q.subscriber.error(failure);
    };

    const poison = (error: unknown) => {
      if (closed) return;
      closed = true;
      const failure = error instanceof KafkaError ? error : new KafkaConnectionError(broker, messageOf(error), error);
      failAll(failure);
      socket?.close();
      outer.error(failure);
    };

    const settle = (id: number): Pending | undefined => {
      const p = pending.get(id);
      if (p === undefined) return undefined;
      pending.delete(id);
      p.timer?.unsubscribe();
      return p;
    };

    const write = (q: Queued) => {
      const id = nextCorrelationId;
      let chunks: Uint8Array[];
      try {
        chunks = q.frame(id);
      } catch (e) {
        // a body that does not encode: nothing went out, so only this request fails (thrown
        // here, from pump() in onFrame, it would poison the connection and leave it hanging)
        q.subscriber.error(asKafkaError(e));
        return;
      }
      nextCorrelationId = (nextCorrelationId + 1) & 0x7fffffff;
      requests++;
      if (q.expectResponse) {
        const p: Pending = { api: q.api, version: q.version, subscriber: q.subscriber, timer: null };
        pending.set(id, p);
        p.timer = scheduler.schedule(() => {
          pending.delete(id);
          abandoned.add(id);
          errors++;
          p.subscriber?.error(new RequestTimeoutError(broker, q.api.name, q.timeoutMs));
          pump();
        }, q.timeoutMs);
      }
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) {
        socket?.write(chunks[i], (e) => {
          if (e) poison(new KafkaConnectionError(broker, `write failed: ${e.message}`, e));
        });
      }
      socket?.write(chunks[last], (e) => {
        if (e) poison(new KafkaConnectionError(broker, `write failed: ${e.message}`, e));
        else if (!q.expectResponse) q.subscriber.complete();
      });
    };

    const pump = () => {
      while (!closed && queue.length > 0 && pending.size < maxInFlight) write(queue.shift() as Queued);
    };

    const onFrame = (payload: Buffer) => {
      const id = peekCorrelationId(payload);
      const p = settle(id);
      if (p === undefined) {
        if (abandoned.delete(id)) return;
        throw new KafkaConnectionError(broker, `answer to unknown correlation id ${id}`);
      }
      let body: unknown;
      try {
        body = decodeAnswer(p.api, p.version, payload);
      } catch (e) {
        // settled already (no longer pending, its timer cancelled): it must hear the failure
        // here, or it would never end
        const failure =
          e instanceof KafkaProtocolError ? e : new KafkaProtocolError(`${broker}: ${p.api.name} v${p.version} answer does not decode: ${messageOf(e)}`, 0, { cause: e });
        p.subscriber?.error(failure);
        // the framing can no longer be trusted: poison the connection, failing the others
        throw new KafkaConnectionError(broker, `closed after an undecodable ${p.api.name} v${p.version} answer`, failure);
      }
      pump();
      const sub = p.subscriber;
      if (sub !== null) {
        sub.next(body);
        sub.complete();
      }
    };

    const connection: Connection = {
      broker,
      get apiVersions() {
        return versions;
      },
      get closed() {
        return closed;
      },
      stats: () => ({ inFlight: pending.size, queued: queue.length, requests, errors }),
      versionFor: (api, o = {}) => o.version ?? Math.min(pickVersion(broker, api, versions), o.maxVersion ?? Infinity),
      request: <Req, Res>(api: Api<Req, Res>, body: Input<Req>, ro: RequestOptions = {}) =>
        new Observable<Res>((subscriber) => {
          if (closed) {
            subscriber.error(new KafkaConnectionError(broker, 'connection is closed'));
            return;
          }
          const version = connection.versionFor(api, ro);
          const q: Queued = {
            frame: (id) => encodeRequestFrameChunks(api, version, id, clientId, body),
            api,
            version,
            expectResponse: ro.expectResponse ?? true,
            timeoutMs: ro.timeoutMs ?? requestTimeoutMs,
            subscriber,
          };
          queue.push(q);
          pump();
          return () => {
            const at = queue.indexOf(q);
            if (at >= 0) queue.splice(at, 1);
            for (const p of pending.values()) if (p.subscriber === q.subscriber) p.subscriber = null;
          };
        }),
    };

    const connectTimer = scheduler.schedule(() => {
      poison(new KafkaConnectionError(broker, `not ready within ${options.connectionTimeoutMs ?? 10_000} ms`));
    }, options.connectionTimeoutMs ?? 10_000);

    const transportSub = transport(options)
      .pipe(
        catchError((e: unknown) => {
          throw new KafkaConnectionError(broker, `connect failed: ${messageOf(e)}`, e);
        }),
        switchMap((s) => {
          socket = s;
          s.onData((chunk) => {
            try {
              for (const f of frames.push(chunk)) onFrame(f);
            } catch (e) {
              poison(e);
            }
          });
          s.onClose((e) => poison(new KafkaConnectionError(broker, e ? e.message : 'closed by peer', e)));
          return negotiateApiVersions(connection, ApiVersions);
        }),
        concatMap((v) => {
          versions = v;
          return options.sasl ? authenticate(connection, options.sasl) : of(undefined);
        }),
      )
      .subscribe({
        next: () => {
          connectTimer.unsubscribe();
          outer.next(connection);
        },
        error: (e: unknown) => poison(e),
      });

    return () => {
      connectTimer.unsubscribe();
      if (!closed) {
        closed = true;
        failAll(new KafkaConnectionError(broker, 'connection closed'));
      }
      transportSub.unsubscribe();
    };
  });
}

import { defer, mergeMap, ReplaySubject, tap, take, type Observable, type Subject, type Subscription } from 'rxjs';
import { connect, KafkaConnectionError, RequestTimeoutError, type Connection, type RequestOptions } from '../network/index.js';
import { CircuitOpenError, createCircuitBreaker, type CircuitBreaker, type CircuitState } from '../operators/circuit-breaker.js';
import { isRetriableError } from '../operators/retriable.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import type { Api, Input } from '../protocol/messages/index.js';
import type { BrokerAddress } from './broker-address.js';
import { formatAddress } from './broker-address.js';
import type { ResolvedConfig } from './config.js';

export interface BrokerStats {
  /** Broker id from metadata; null for a bootstrap address not yet matched to one. */
  nodeId: number | null;
  address: string;
  circuit: CircuitState;
  connections: number;
  inFlight: number;
  requests: number;
  errors: number;
}

/** A body, or a function of the version chosen for this broker (for version-shaped bodies). */
export type BodyFor<Req> = Input<Req> | ((version: number) => Input<Req>);

/** Only failures of the broker itself count against its circuit, not broker error codes. */
export const isBrokerFailure = (e: unknown) => e instanceof KafkaConnectionError || e instanceof RequestTimeoutError;

/**
 * Everything rxkafka holds for one broker address: at most one open connection (opened on
 * first use, dropped when it breaks, opened again on next use) and the circuit breaker that
 * guards it.
 */
export class BrokerChannel {
  readonly address: string;
  nodeId: number | null = null;
  readonly breaker: CircuitBreaker;
  private current: { ready: ReplaySubject<Connection>; sub: Subscription; conn: Connection | null } | null = null;
  private requests = 0;
  private errors = 0;
  private readonly changes: Subject<void>;
  private readonly breakerSub: Subscription;

  constructor(
    readonly target: BrokerAddress,
    private readonly config: ResolvedConfig,
    changes: Subject<void>,
  ) {
    this.address = formatAddress(target.host, target.port);
    this.changes = changes;
    this.breaker = createCircuitBreaker({
      target: `broker ${this.address}`,
      failureThreshold: config.circuitBreaker.failureThreshold,
      recoveryTimeoutMs: config.circuitBreaker.recoveryTimeoutMs,
      scheduler: config.scheduler,
      isFailure: isBrokerFailure,
    });
    this.breakerSub = this.breaker.state$.subscribe(() => changes.next());
  }

  stats(): BrokerStats {
    const s = this.current?.conn?.stats();
    return {
      nodeId: this.nodeId,
      address: this.address,
      circuit: this.breaker.state,
      connections: this.current?.conn && !this.current.conn.closed ? 1 : 0,
      inFlight: s ? s.inFlight + s.queued : 0,
      requests: this.requests,
      errors: this.errors,
    };
  }

  /** The shared connection, opened on first use. */
  private connection(): Observable<Connection> {
    let entry = this.current;
    if (entry === null) {
      const ready = new ReplaySubject<Connection>(1);
      const created: NonNullable<BrokerChannel['current']> = { ready, sub: undefined as unknown as Subscription, conn: null };
      entry = created;
      this.current = created;
      created.sub = connect({
        host: this.target.host,
        port: this.target.port,
        tls: typeof this.config.tls === 'object' ? this.config.tls.reveal() : this.config.tls,
        sasl: this.config.sasl?.reveal(),
        clientId: this.config.clientId,
        connectionTimeoutMs: this.config.connectionTimeoutMs,
        requestTimeoutMs: this.config.requestTimeoutMs,
        maxInFlight: this.config.maxInFlightPerConnection,
        maxFrameBytes: this.config.maxFrameBytes,
        scheduler: this.config.scheduler,
        transport: this.config.transport,
      }).subscribe({
        next: (c) => {
          created.conn = c;
          ready.next(c);
          this.changes.next();
        },
        error: (e: unknown) => {
          if (this.current === created) this.current = null;
          ready.error(e);
          this.changes.next();
        },
      });
    }
    // the entry itself, not this.current: a transport may fail during subscribe, and then
    // this.current is already cleared
    return entry.ready.pipe(take(1));
  }

  /** One try through the circuit breaker, no retry. */
  attempt<Req, Res>(api: Api<Req, Res>, body: BodyFor<Req>, options?: RequestOptions): Observable<Res> {
    return defer(() => {
      this.requests++;
      this.changes.next();
      return this.connection().pipe(
        mergeMap((c) => {
          const version = c.versionFor(api, options);
          const input = typeof body === 'function' ? (body as (v: number) => Input<Req>)(version) : body;
          return c.request(api, input, { ...options, version });
        }),
      );
    }).pipe(
      this.breaker.protect(),
      tap({
        error: () => {
          this.errors++;
          this.changes.next();
        },
        complete: () => this.changes.next(),
      }),
    );
  }

  /**
   * A request with retries on retriable failures. An open circuit is not waited out here:
   * the caller learns at once and may go to another broker.
   */
  request<Req, Res>(api: Api<Req, Res>, body: BodyFor<Req>, options?: RequestOptions): Observable<Res> {
    return this.attempt(api, body, options).pipe(
      retryBackoff({
        ...this.config.retry,
        scheduler: this.config.scheduler,
        random: this.config.random,
        shouldRetry: (e) => !(e instanceof CircuitOpenError) && isRetriableError(e),
      }),
    );
  }

  close(): void {
    this.current?.sub.unsubscribe();
    this.current = null;
    this.breaker.dispose();
    this.breakerSub.unsubscribe();
  }
}

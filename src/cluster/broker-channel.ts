import { defer, tap, throwError, type Observable, type Subject, type Subscription } from 'rxjs';
import { connect, KafkaConnectionError, RequestTimeoutError, type RequestOptions } from '../network/index.js';
import { CircuitOpenError, createCircuitBreaker, type CircuitBreaker, type CircuitState } from '../operators/circuit-breaker.js';
import { isRetriableError } from '../operators/retriable.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import type { Api, Input } from '../protocol/messages/index.js';
import type { BrokerAddress } from './broker-address.js';
import { formatAddress } from './broker-address.js';
import type { ResolvedConfig } from './config.js';
import { ConnectionPool } from './connection-pool.js';
import { purposeOf, type ConnectionPurpose } from './connection-purpose.js';

export interface BrokerStats {
  /** Broker id from metadata; null for a bootstrap address not yet matched to one. */
  nodeId: number | null;
  address: string;
  circuit: CircuitState;
  /** Open connections, and of them those opened for each purpose. */
  connections: number;
  connectionsByPurpose: Readonly<Record<ConnectionPurpose, number>>;
  inFlight: number;
  requests: number;
  errors: number;
}

export interface ChannelRequestOptions extends RequestOptions {
  /** The connection to use; default: by API (Fetch, JoinGroup and SyncGroup, Produce apart). */
  purpose?: ConnectionPurpose;
  /**
   * The owner's own connection for that purpose (a consumer's group and fetch connections), so
   * that owners sharing a client never wait behind each other's held requests.
   */
  lane?: string;
}

/** A body, or a function of the version chosen for this broker (for version-shaped bodies). */
export type BodyFor<Req> = Input<Req> | ((version: number) => Input<Req>);

/** Only failures of the broker itself count against its circuit, not broker error codes. */
export const isBrokerFailure = (e: unknown) => e instanceof KafkaConnectionError || e instanceof RequestTimeoutError;

/**
 * Everything rxkafka holds for one broker address: its pool of connections, one per purpose,
 * and the circuit breaker that guards them all (the broker fails, not a connection).
 */
export class BrokerChannel {
  readonly address: string;
  nodeId: number | null = null;
  readonly breaker: CircuitBreaker;
  private readonly pool: ConnectionPool;
  private requests = 0;
  private errors = 0;
  private readonly changes: Subject<void>;
  private readonly breakerSub: Subscription;

  constructor(
    readonly target: BrokerAddress,
    private readonly config: ResolvedConfig,
    changes: Subject<void>,
    /** Told of each failure of the broker itself (connection, timeout, open circuit). */
    private readonly failed: (channel: BrokerChannel) => void = () => undefined,
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
    this.pool = new ConnectionPool(
      () =>
        connect({
          host: target.host,
          port: target.port,
          tls: typeof config.tls === 'object' ? config.tls.reveal() : config.tls,
          sasl: config.sasl?.reveal(),
          clientId: config.clientId,
          connectionTimeoutMs: config.connectionTimeoutMs,
          requestTimeoutMs: config.requestTimeoutMs,
          maxInFlight: config.maxInFlightPerConnection,
          maxFrameBytes: config.maxFrameBytes,
          scheduler: config.scheduler,
          transport: config.transport,
        }),
      {
        maxConnections: config.maxConnectionsPerBroker,
        idleTimeoutMs: config.connectionIdleTimeoutMs,
        maxLifetimeMs: config.connectionMaxLifetimeMs,
        scheduler: config.scheduler,
        random: config.random,
      },
      () => changes.next(),
    );
  }

  /** Requests written or queued on its connections, not yet answered. */
  get pending(): number {
    return this.pool.inFlight;
  }

  stats(): BrokerStats {
    const pool = this.pool.stats();
    return {
      nodeId: this.nodeId,
      address: this.address,
      circuit: this.breaker.state,
      connections: pool.connections,
      connectionsByPurpose: pool.byPurpose,
      inFlight: pool.inFlight,
      requests: this.requests,
      errors: this.errors,
    };
  }

  /**
   * One try through the circuit breaker, no retry. While the pool backs off after a failed
   * connection attempt, it fails at once with that failure, past the breaker: the breaker counts
   * attempts at the broker, not the requests that came while none could be made.
   */
  attempt<Req, Res>(api: Api<Req, Res>, body: BodyFor<Req>, options?: ChannelRequestOptions): Observable<Res> {
    const { purpose = purposeOf(api), lane, ...requestOptions } = options ?? {};
    const tryBroker = defer(() => {
      this.requests++;
      this.changes.next();
      return this.pool.use(purpose, (c) => {
        const version = c.versionFor(api, requestOptions);
        const input = typeof body === 'function' ? (body as (v: number) => Input<Req>)(version) : body;
        return c.request(api, input, { ...requestOptions, version });
      }, lane);
    }).pipe(this.breaker.protect());
    return defer(() => {
      // an open circuit answers first (its CircuitOpenError carries the failure behind it)
      const down = this.breaker.state === 'closed' ? this.pool.backingOff(purpose, lane) : null;
      return down !== null ? throwError(() => down) : tryBroker;
    }).pipe(
      tap({
        error: (e: unknown) => {
          this.errors++;
          this.changes.next();
          if (isBrokerFailure(e) || e instanceof CircuitOpenError) this.failed(this);
        },
        complete: () => this.changes.next(),
      }),
    );
  }

  /**
   * A request with retries on retriable failures. An open circuit is not waited out here:
   * the caller learns at once and may go to another broker.
   */
  request<Req, Res>(api: Api<Req, Res>, body: BodyFor<Req>, options?: ChannelRequestOptions): Observable<Res> {
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
    this.pool.close();
    this.breaker.dispose();
    this.breakerSub.unsubscribe();
  }
}

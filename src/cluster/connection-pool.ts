import { finalize, mergeMap, ReplaySubject, take, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { asKafkaError } from '../errors.js';
import { backoffDelay } from '../operators/retry-backoff.js';
import type { Connection } from '../network/index.js';
import { CONNECTION_PURPOSES, connectionFor, type ConnectionPurpose } from './connection-purpose.js';

export interface ConnectionPoolOptions {
  /** Connections open at once, purposes folded onto the control connection beyond it. */
  maxConnections: number;
  /** A connection with nothing under way for this long is closed. */
  idleTimeoutMs: number;
  /** A connection this old takes no new requests and closes once its last one ends; null: no limit. */
  maxLifetimeMs: number | null;
  scheduler: SchedulerLike;
  /** For the reconnect backoff's jitter. */
  random: () => number;
}

/**
 * After a connection attempt fails, the next waits this long, growing with each failure in a
 * row (the Java client's reconnect.backoff.ms and reconnect.backoff.max.ms); requests meanwhile
 * fail at once with that failure. So an unreachable broker costs one attempt per backoff, not
 * one per request, and its circuit counts attempts, not the requests that were waiting.
 */
const RECONNECT_BACKOFF = { initialDelayMs: 50, maxDelayMs: 1000, multiplier: 2, jitter: 0.2 } as const;

export interface PoolStats {
  connections: number;
  byPurpose: Record<ConnectionPurpose, number>;
  /** Requests written and not answered, or queued behind them, over all connections. */
  inFlight: number;
}

interface Pooled {
  readonly purpose: ConnectionPurpose;
  /** The purpose, and the lane of the one owner it serves, if any. */
  readonly key: string;
  readonly ready: ReplaySubject<Connection>;
  sub: Subscription | null;
  conn: Connection | null;
  /** Requests using it, from the moment they ask for it to the moment they end. */
  active: number;
  lastActiveAt: number;
  idleTimer: Subscription | null;
  lifetimeTimer: Subscription | null;
}

const keyOf = (purpose: ConnectionPurpose, lane: string | undefined): string => (lane === undefined ? purpose : `${purpose}/${lane}`);

/**
 * The connections to one broker, one per purpose, each opened on first use, closed when idle,
 * recycled when old, and dropped when it breaks (the next request opens another).
 */
export class ConnectionPool {
  /** The connection each purpose's (and lane's) requests go to now. */
  private readonly current = new Map<string, Pooled>();
  /** Past their lifetime, finishing what they carry. */
  private readonly retiring = new Set<Pooled>();
  /** The last connection attempt's failure while no attempt has succeeded since, and when to try again. */
  private unreachable: { error: Error; failures: number; until: number } | null = null;

  constructor(
    private readonly open: () => Observable<Connection>,
    private readonly options: ConnectionPoolOptions,
    private readonly changed: () => void,
  ) {}

  /**
   * Runs `work` on the connection for `purpose`; the connection counts as busy until it ends. A
   * `lane` gives one owner (a consumer) connections of its own for that purpose: two members of
   * one group on one client must not queue their held JoinGroups behind each other.
   */
  use<T>(purpose: ConnectionPurpose, work: (c: Connection) => Observable<T>, lane?: string): Observable<T> {
    const entry = this.entryFor(connectionFor(purpose, this.options.maxConnections), lane);
    entry.active++;
    entry.idleTimer?.unsubscribe();
    entry.idleTimer = null;
    return entry.ready.pipe(
      take(1),
      mergeMap(work),
      finalize(() => this.release(entry)),
    );
  }

  /**
   * The last connection failure, while the reconnect backoff runs and `purpose` has no
   * connection: what a request for it would fail with now, without trying. Null otherwise.
   */
  backingOff(purpose: ConnectionPurpose, lane?: string): Error | null {
    const down = this.unreachable;
    if (down === null || this.options.scheduler.now() >= down.until) return null;
    if (this.current.has(keyOf(connectionFor(purpose, this.options.maxConnections), lane))) return null;
    return down.error;
  }

  /** Requests written and not answered, or queued behind them, over all connections. */
  get inFlight(): number {
    let n = 0;
    for (const e of this.held()) {
      if (e.conn === null || e.conn.closed) continue;
      const s = e.conn.stats();
      n += s.inFlight + s.queued;
    }
    return n;
  }

  stats(): PoolStats {
    const byPurpose = Object.fromEntries(CONNECTION_PURPOSES.map((p) => [p, 0])) as Record<ConnectionPurpose, number>;
    let connections = 0;
    for (const e of this.held()) {
      if (e.conn === null || e.conn.closed) continue;
      connections++;
      byPurpose[e.purpose]++;
    }
    return { connections, byPurpose, inFlight: this.inFlight };
  }

  /** Every connection the pool holds: current and retiring. */
  private *held(): Iterable<Pooled> {
    yield* this.current.values();
    yield* this.retiring;
  }

  close(): void {
    for (const e of [...this.held()]) this.drop(e);
  }

  private entryFor(purpose: ConnectionPurpose, lane?: string): Pooled {
    const key = keyOf(purpose, lane);
    const existing = this.current.get(key);
    if (existing !== undefined) return existing;
    const entry: Pooled = {
      purpose,
      key,
      ready: new ReplaySubject<Connection>(1),
      sub: null,
      conn: null,
      active: 0,
      lastActiveAt: this.options.scheduler.now(),
      idleTimer: null,
      lifetimeTimer: null,
    };
    this.current.set(key, entry);
    const sub = this.open().subscribe({
      next: (c) => {
        entry.conn = c;
        this.unreachable = null;
        if (this.options.maxLifetimeMs !== null) {
          entry.lifetimeTimer = this.options.scheduler.schedule(() => this.retire(entry), this.options.maxLifetimeMs);
        }
        entry.ready.next(c);
        this.changed();
      },
      error: (e: unknown) => {
        this.forget(entry);
        if (entry.conn === null) {
          const failures = (this.unreachable?.failures ?? 0) + 1;
          const wait = backoffDelay(failures, RECONNECT_BACKOFF, this.options.random);
          this.unreachable = { error: asKafkaError(e), failures, until: this.options.scheduler.now() + wait };
        }
        entry.ready.error(e);
        this.changed();
      },
    });
    // a transport may fail during subscribe: the entry is gone already, and must not be kept
    if (entry.conn === null && !this.current.has(key)) sub.unsubscribe();
    else entry.sub = sub;
    return entry;
  }

  private release(entry: Pooled): void {
    entry.active--;
    entry.lastActiveAt = this.options.scheduler.now();
    if (entry.active > 0) return;
    if (this.retiring.has(entry)) this.drop(entry);
    else if (this.current.get(entry.key) === entry) this.armIdle(entry, this.options.idleTimeoutMs);
  }

  /** One timer per idle spell: a request in between moves the deadline, not the timer. */
  private armIdle(entry: Pooled, delayMs: number): void {
    if (entry.idleTimer !== null) return;
    entry.idleTimer = this.options.scheduler.schedule(() => {
      entry.idleTimer = null;
      if (entry.active > 0) return;
      const left = entry.lastActiveAt + this.options.idleTimeoutMs - this.options.scheduler.now();
      if (left > 0) this.armIdle(entry, left);
      else this.drop(entry);
    }, delayMs);
  }

  /** New requests go to a new connection; this one closes once nothing is under way on it. */
  private retire(entry: Pooled): void {
    entry.lifetimeTimer = null;
    if (this.current.get(entry.key) !== entry) return;
    this.current.delete(entry.key);
    if (entry.active === 0) this.drop(entry);
    else this.retiring.add(entry);
  }

  private drop(entry: Pooled): void {
    this.forget(entry);
    entry.sub?.unsubscribe();
    entry.sub = null;
    this.changed();
  }

  private forget(entry: Pooled): void {
    if (this.current.get(entry.key) === entry) this.current.delete(entry.key);
    this.retiring.delete(entry);
    entry.idleTimer?.unsubscribe();
    entry.idleTimer = null;
    entry.lifetimeTimer?.unsubscribe();
    entry.lifetimeTimer = null;
  }
}

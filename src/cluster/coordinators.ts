import { defer, finalize, map, mergeMap, of, share, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { KafkaError } from '../errors.js';
import { AllBrokersUnavailableError } from './errors.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import { CoordinatorType as KeyType } from '../protocol/enums.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator, Input } from '../protocol/messages/index.js';
import type { RetryConfig } from './config.js';

/** What a coordinator coordinates: a consumer group or a transactional id. */
export type CoordinatorType = 'group' | 'transaction';

/** Answers that say the cached coordinator is no longer the one: look it up again. */
export const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/** Answers that say: the right coordinator, not ready yet; ask it again after a while. */
const COORDINATOR_LOADING: number = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;

const keyTypeOf = (type: CoordinatorType) => (type === 'group' ? KeyType.GROUP : KeyType.TRANSACTION);

/** FindCoordinator's batched form, many keys in one request (KIP-699). */
const BATCHED_FROM_VERSION = 4;

type Answer = Pick<FindCoordinatorResponseCoordinator, 'nodeId' | 'errorCode' | 'errorMessage'>;

/** Keys of one type asked for in the same scheduler tick, looked up in one request. */
interface Batch {
  readonly keys: Set<string>;
  /** Each key's answer; a key missing from it was not asked (the broker has no batched form). */
  readonly answers: Observable<ReadonlyMap<string, Answer>>;
}

/** A coordinator error code in an answer (top level, per topic or per partition), if any. */
export function coordinatorErrorIn(body: unknown, depth = 0): number | null {
  if (depth > 4 || typeof body !== 'object' || body === null) return null;
  if (Array.isArray(body)) {
    for (const item of body) {
      const code = coordinatorErrorIn(item, depth + 1);
      if (code !== null) return code;
    }
    return null;
  }
  for (const [field, value] of Object.entries(body)) {
    if (typeof value === 'number' && /errorcode$/i.test(field) && (COORDINATOR_MOVED.has(value) || value === COORDINATOR_LOADING)) return value;
    if (typeof value === 'object') {
      const code = coordinatorErrorIn(value, depth + 1);
      if (code !== null) return code;
    }
  }
  return null;
}

/**
 * Which broker coordinates each group and transactional id: looked up with FindCoordinator,
 * cached per key, forgotten when an answer says it moved. Lookups of one key under way at once
 * share one request; lookups of several keys of one type asked in the same scheduler tick go
 * in one request where the broker has the batched form (v4+), one request per key where not.
 */
export class Coordinators {
  private readonly known = new Map<string, number>();
  private readonly underWay = new Map<string, Observable<number>>();
  /** The batch still taking keys, per type (per type and key once batching is known not to work). */
  private readonly open = new Map<string, Batch>();
  /** Set once a broker answered at a version without the batched form: keys go one by one. */
  private oneKeyPerRequest = false;

  constructor(
    /** FindCoordinator to any broker; the body is chosen by the version negotiated there. */
    private readonly find: (body: (version: number) => Input<FindCoordinatorRequest>) => Observable<FindCoordinatorResponse>,
    private readonly retry: Required<RetryConfig>,
    private readonly scheduler: SchedulerLike,
    private readonly random: () => number,
  ) {}

  /** The coordinator's broker id, from cache or looked up; cold. */
  lookup(type: CoordinatorType, key: string): Observable<number> {
    return defer(() => {
      const id = `${type}\u0000${key}`;
      const cached = this.known.get(id);
      if (cached !== undefined) return of(cached);
      let shared = this.underWay.get(id);
      if (shared === undefined) {
        shared = this.ask(type, key).pipe(
          map((nodeId) => {
            this.known.set(id, nodeId);
            return nodeId;
          }),
          finalize(() => this.underWay.delete(id)),
          share(),
        );
        this.underWay.set(id, shared);
      }
      return shared;
    });
  }

  /** Forgets a cached coordinator (it moved, or its broker failed); only `nodeId`'s, if given. */
  forget(type: CoordinatorType, key: string, nodeId?: number): void {
    const id = `${type}\u0000${key}`;
    if (nodeId === undefined || this.known.get(id) === nodeId) this.known.delete(id);
  }

  private ask(type: CoordinatorType, key: string): Observable<number> {
    return this.answerFor(type, key).pipe(
      map((answer) => {
        if (answer.errorCode !== 0) throw kafkaErrorFromCode(answer.errorCode, `${type} coordinator for ${key}${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`);
        if (answer.nodeId < 0) throw new KafkaError(`no ${type} coordinator for ${key} yet`, { code: ErrorCode.COORDINATOR_NOT_AVAILABLE, retriable: true });
        return answer.nodeId;
      }),
      // COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS are retriable: asked again. No
      // broker reachable is not retried here: the any-broker request retried that already, and
      // retries stacked at each layer would multiply into hours against a dead network
      retryBackoff({ ...this.retry, scheduler: this.scheduler, random: this.random, shouldRetry: (e) => e instanceof KafkaError && e.retriable && !(e instanceof AllBrokersUnavailableError) }),
    );
  }

  /** `key`'s answer, from the batch it joins; asked again on its own if the batch could not carry it. */
  private answerFor(type: CoordinatorType, key: string): Observable<Answer> {
    return defer(() => {
      const slot = this.oneKeyPerRequest ? `${type}\u0000${key}` : type;
      let batch = this.open.get(slot);
      if (batch === undefined) batch = this.openBatch(type, slot);
      batch.keys.add(key);
      return batch.answers.pipe(
        mergeMap((answers) => {
          const answer = answers.get(key);
          return answer !== undefined ? of(answer) : this.answerFor(type, key);
        }),
      );
    });
  }

  private openBatch(type: CoordinatorType, slot: string): Batch {
    const keyType = keyTypeOf(type);
    const keys = new Set<string>();
    const answers = timer(0, this.scheduler).pipe(
      // from here on, keys asked for go in the next batch
      tap(() => this.open.delete(slot)),
      mergeMap(() => {
        const asked = [...keys];
        let version = BATCHED_FROM_VERSION;
        return this.find((v) => {
          version = v;
          return v >= BATCHED_FROM_VERSION ? { keyType, coordinatorKeys: asked } : { key: asked[0], keyType };
        }).pipe(
          map((res): ReadonlyMap<string, Answer> => {
            if (version >= BATCHED_FROM_VERSION) return new Map(res.coordinators.map((c) => [c.key, c]));
            if (asked.length > 1) this.oneKeyPerRequest = true;
            return new Map([[asked[0], res]]);
          }),
        );
      }),
      share(),
    );
    const batch: Batch = { keys, answers };
    this.open.set(slot, batch);
    return batch;
  }
}

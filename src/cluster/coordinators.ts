import { defer, finalize, map, of, share, type Observable, type SchedulerLike } from 'rxjs';
import { KafkaError } from '../errors.js';
import { retryBackoff } from '../operators/retry-backoff.js';
import { CoordinatorType as KeyType } from '../protocol/enums.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse, Input } from '../protocol/messages/index.js';
import type { RetryConfig } from './config.js';

/** What a coordinator coordinates: a consumer group or a transactional id. */
export type CoordinatorType = 'group' | 'transaction';

/** Answers that say the cached coordinator is no longer the one: look it up again. */
export const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/** Answers that say: the right coordinator, not ready yet; ask it again after a while. */
const COORDINATOR_LOADING: number = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;

const keyTypeOf = (type: CoordinatorType) => (type === 'group' ? KeyType.GROUP : KeyType.TRANSACTION);

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
 * Which broker coordinates each group and transactional id: looked up with FindCoordinator
 * (the batched form, v4+, where the broker has it), cached per key, forgotten when an answer
 * says it moved. Lookups of one key under way at once share one request.
 */
export class Coordinators {
  private readonly known = new Map<string, number>();
  private readonly underWay = new Map<string, Observable<number>>();

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
    const keyType = keyTypeOf(type);
    return this.find((version) => (version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType })).pipe(
      map((res) => {
        const answer = res.coordinators.length > 0 ? (res.coordinators.find((c) => c.key === key) ?? res.coordinators[0]) : res;
        if (answer.errorCode !== 0) throw kafkaErrorFromCode(answer.errorCode, `${type} coordinator for ${key}${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`);
        if (answer.nodeId < 0) throw new KafkaError(`no ${type} coordinator for ${key} yet`, { code: ErrorCode.COORDINATOR_NOT_AVAILABLE, retriable: true });
        return answer.nodeId;
      }),
      // COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS are retriable: asked again
      retryBackoff({ ...this.retry, scheduler: this.scheduler, random: this.random, shouldRetry: (e) => e instanceof KafkaError && e.retriable }),
    );
  }
}

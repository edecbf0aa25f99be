import { STALE_METADATA_CODES } from '../cluster/index.js';
import { ErrorCode, errorByCode } from '../protocol/error-codes.js';

/** What to do with one batch after its partition's Produce answer. */
export type AnswerAction = 'done' | 'retry' | 'split' | 'fenced' | 'fail';

export interface AnswerContext {
  /** Records in the batch: one record too large cannot be split further. */
  readonly count: number;
  readonly idempotent: boolean;
  readonly transactional: boolean;
  /** Whether the producer can split a batch refused as too large. */
  readonly canSplit: boolean;
}

export interface AnswerVerdict {
  readonly action: AnswerAction;
  /** The topic's leaders are in doubt: look its metadata up again before the retry. */
  readonly refreshMetadata: boolean;
  /**
   * A retry may go as soon as its turn comes, without backoff: refused as out of order, it
   * only waits for the earlier batch being resent, which the Sender's order already ensures.
   */
  readonly immediate: boolean;
}

/**
 * A partition's Produce answer, classified. Pure: the Sender does what it says (the delivery
 * deadline, which bounds every retry, is the Sender's, as it needs the clock).
 * - 0, and DUPLICATE_SEQUENCE_NUMBER (an idempotent resend of what is stored): done.
 * - MESSAGE_TOO_LARGE for a batch of several records: split in two, in its place.
 * - INVALID_PRODUCER_EPOCH or PRODUCER_FENCED for a transactional producer: fenced for good.
 * - a retriable code, or OUT_OF_ORDER_SEQUENCE_NUMBER with idempotence (an earlier batch of
 *   the partition is being resent): retry, the latter without backoff.
 * - anything else: the batch fails.
 */
export function classifyProduceAnswer(code: number, ctx: AnswerContext): AnswerVerdict {
  const refreshMetadata = STALE_METADATA_CODES.has(code);
  const verdict = (action: AnswerAction, immediate = false): AnswerVerdict => ({ action, refreshMetadata, immediate });
  if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) return verdict('done');
  if (code === ErrorCode.MESSAGE_TOO_LARGE && ctx.count > 1 && ctx.canSplit) return verdict('split');
  if ((code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) && ctx.transactional) return verdict('fenced');
  if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && ctx.idempotent) return verdict('retry', true);
  if (errorByCode(code).retriable) return verdict('retry');
  return verdict('fail');
}

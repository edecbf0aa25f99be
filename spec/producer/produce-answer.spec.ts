import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { classifyProduceAnswer, type AnswerAction, type AnswerContext } from '../../src/producer/produce-answer.js';

const idempotent: AnswerContext = { count: 2, idempotent: true, transactional: false, canSplit: true };
const plain: AnswerContext = { ...idempotent, idempotent: false };
const transactional: AnswerContext = { ...idempotent, transactional: true };

/**
 * Every code a Produce answer may carry per partition, with what the Java client does with it,
 * written out here (not derived from the table the code uses): [code, idempotent, plain,
 * transactional, leaders in doubt].
 */
const CASES: Array<[number, AnswerAction, AnswerAction, AnswerAction, boolean]> = [
  [ErrorCode.NONE, 'done', 'done', 'done', false],
  [ErrorCode.DUPLICATE_SEQUENCE_NUMBER, 'done', 'done', 'done', false],
  [ErrorCode.MESSAGE_TOO_LARGE, 'split', 'split', 'split', false],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, 'retry', 'retry', 'retry', true],
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'retry', 'retry', 'retry', true],
  [ErrorCode.LEADER_NOT_AVAILABLE, 'retry', 'retry', 'retry', true],
  [ErrorCode.FENCED_LEADER_EPOCH, 'retry', 'retry', 'retry', true],
  [ErrorCode.UNKNOWN_LEADER_EPOCH, 'retry', 'retry', 'retry', true],
  [ErrorCode.REQUEST_TIMED_OUT, 'retry', 'retry', 'retry', false],
  [ErrorCode.NETWORK_EXCEPTION, 'retry', 'retry', 'retry', false],
  [ErrorCode.NOT_ENOUGH_REPLICAS, 'retry', 'retry', 'retry', false],
  [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, 'retry', 'retry', 'retry', false],
  [ErrorCode.CORRUPT_MESSAGE, 'retry', 'retry', 'retry', false],
  [ErrorCode.KAFKA_STORAGE_ERROR, 'retry', 'retry', 'retry', false],
  [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'retry', 'fail', 'retry', false],
  [ErrorCode.INVALID_PRODUCER_EPOCH, 'fail', 'fail', 'fenced', false],
  [ErrorCode.PRODUCER_FENCED, 'fail', 'fail', 'fenced', false],
  [ErrorCode.UNKNOWN_PRODUCER_ID, 'fail', 'fail', 'fail', false],
  [ErrorCode.INVALID_TXN_STATE, 'fail', 'fail', 'fail', false],
  [ErrorCode.INVALID_RECORD, 'fail', 'fail', 'fail', false],
  [ErrorCode.RECORD_LIST_TOO_LARGE, 'fail', 'fail', 'fail', false],
  [ErrorCode.INVALID_REQUIRED_ACKS, 'fail', 'fail', 'fail', false],
  [ErrorCode.INVALID_TIMESTAMP, 'fail', 'fail', 'fail', false],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'fail', 'fail', 'fail', false],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'fail', 'fail', 'fail', false],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'fail', 'fail', 'fail', false],
  [ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'fail', 'fail', 'fail', false],
  [ErrorCode.UNKNOWN_SERVER_ERROR, 'fail', 'fail', 'fail', false],
];

describe('classifyProduceAnswer', () => {
  it.each(CASES)('code %i: idempotent %s, plain %s, transactional %s (refresh %s)', (code, forIdempotent, forPlain, forTransactional, refresh) => {
    // only a batch refused as out of order goes again without backoff: it waited for an earlier one
    const immediate = code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
    expect(classifyProduceAnswer(code, idempotent)).toEqual({ action: forIdempotent, refreshMetadata: refresh, immediate: immediate && forIdempotent === 'retry' });
    expect(classifyProduceAnswer(code, plain)).toEqual({ action: forPlain, refreshMetadata: refresh, immediate: false });
    expect(classifyProduceAnswer(code, transactional)).toEqual({ action: forTransactional, refreshMetadata: refresh, immediate: immediate && forTransactional === 'retry' });
  });

  it('fails a single record too large, which no split can help, and any too-large batch when it cannot split', () => {
    expect(classifyProduceAnswer(ErrorCode.MESSAGE_TOO_LARGE, { ...idempotent, count: 1 }).action).toBe('fail');
    expect(classifyProduceAnswer(ErrorCode.MESSAGE_TOO_LARGE, { ...idempotent, canSplit: false }).action).toBe('fail');
  });
});

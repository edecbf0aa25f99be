import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { ErrorCode, errorByCode, errorCodes, KafkaBrokerError, kafkaErrorFromCode } from '../../../src/protocol/error-codes.js';

const require = createRequire(import.meta.url);

describe('error codes', () => {
  it('are unique, contiguous from -1, and the named constants agree with the table', () => {
    const codes = errorCodes.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(Array.from({ length: codes.length }, (_, i) => i - 1));
    expect(new Set(errorCodes.map((e) => e.name)).size).toBe(codes.length);
    for (const [name, code] of Object.entries(ErrorCode)) expect(errorByCode(code).name).toBe(name);
  });

  it('retriability agrees with KafkaJS, an independent table, where both know the code', () => {
    // KafkaJS still uses some pre-rename names (NOT_LEADER_FOR_PARTITION...), so compare by code.
    const { errorCodes: kjs } = require('kafkajs/src/protocol/error.js') as {
      errorCodes: Array<{ code: number; retriable: boolean }>;
    };
    let compared = 0;
    for (const theirs of kjs) {
      if (theirs.code < -1 || theirs.code > 129) continue;
      expect(errorByCode(theirs.code).retriable, `code ${theirs.code}`).toBe(theirs.retriable);
      compared++;
    }
    expect(compared).toBeGreaterThan(80);
  });

  it('above KafkaJS\'s table (89..129), only the RetriableException-backed codes are retriable', () => {
    // KafkaJS stops at 88; these six are the codes in 89..129 whose Java exception class extends
    // RetriableException (directly or via InvalidMetadataException).
    const retriable = errorCodes.filter((e) => e.code >= 89 && e.code <= 129 && e.retriable).map((e) => e.name);
    expect(retriable).toEqual([
      'THROTTLING_QUOTA_EXCEEDED',
      'UNKNOWN_TOPIC_ID',
      'INCONSISTENT_TOPIC_ID',
      'FETCH_SESSION_TOPIC_ID_ERROR',
      'SHARE_SESSION_NOT_FOUND',
      'INVALID_SHARE_SESSION_EPOCH',
    ]);
    expect(errorByCode(129).name).toBe('REBOOTSTRAP_REQUIRED');
  });

  it('kafkaErrorFromCode gives a typed, retriable-aware KafkaError', () => {
    const e = kafkaErrorFromCode(6, 'topic orders partition 3');
    expect(e).toBeInstanceOf(KafkaBrokerError);
    expect(e).toBeInstanceOf(KafkaError);
    expect(e).toMatchObject({ code: 6, errorName: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
    expect(e.message).toContain('topic orders partition 3');
    expect(kafkaErrorFromCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED).retriable).toBe(false);
    const unknown = kafkaErrorFromCode(9999);
    expect(unknown).toMatchObject({ code: 9999, retriable: false, errorName: 'UNKNOWN_ERROR_CODE_9999' });
  });
});

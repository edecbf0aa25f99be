import { KafkaError } from '../errors.js';

/** No committed offset (or it was out of range) and autoOffsetReset is 'none'. */
export class OffsetOutOfRangeError extends KafkaError {
  override readonly name = 'OffsetOutOfRangeError' as const;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint | null,
  ) {
    super(
      offset === null
        ? `${topic}[${partition}]: no committed offset, and autoOffsetReset is 'none'`
        : `${topic}[${partition}]: offset ${offset} is out of range, and autoOffsetReset is 'none'`,
      { code: 1 },
    );
  }
}

/**
 * A fetched batch failed its checksum or did not decode. The consumer stops with this error;
 * nothing at or past `offset` of that partition is committed.
 */
export class CorruptRecordError extends KafkaError {
  override readonly name = 'CorruptRecordError' as const;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    cause: unknown,
  ) {
    super(`${topic}[${partition}] at offset ${offset}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A commit, seek, pause or resume named a partition this consumer does not own. */
export class NotAssignedError extends KafkaError {
  override readonly name = 'NotAssignedError' as const;
  constructor(
    readonly topic: string,
    readonly partition: number,
    what: string,
  ) {
    super(`${what} ${topic}[${partition}]: not assigned to this consumer`);
  }
}

/** commit() on a consumer without a groupId: there is no group to commit to. */
export class NoGroupError extends KafkaError {
  override readonly name = 'NoGroupError' as const;
  constructor(what: string) {
    super(`${what}: this consumer has no groupId to commit to`);
  }
}

/** Another member joined with this consumer's groupInstanceId: this one is out of the group for good. */
export class FencedInstanceIdError extends KafkaError {
  override readonly name = 'FencedInstanceIdError' as const;
  constructor(groupInstanceId: string) {
    super(`group instance id ${groupInstanceId} was taken by another member`, { code: 82 });
  }
}

/** What a closed consumer refuses. */
export class ConsumerClosedError extends KafkaError {
  override readonly name = 'ConsumerClosedError' as const;
  constructor() {
    super('consumer is closed');
  }
}

/**
 * The error types every layer throws. Each carries what a caller needs to decide what to do
 * (retry or not) without parsing a message string.
 */

export interface KafkaErrorOptions {
  /** Kafka's numeric error code, when the error came from a broker. */
  code?: number;
  /** True when trying the same operation again may succeed. */
  retriable?: boolean;
  cause?: unknown;
}

/**
 * The name of every error rxkafka raises, so that `switch (e.name)` is checked. Each class sets
 * its own (the compiler holds it to this list); a literal rather than the class's name, which
 * a minifier may change.
 */
export type KafkaErrorName =
  | 'KafkaError'
  | 'KafkaConfigError'
  | 'KafkaProtocolError'
  | 'EncodingError'
  | 'KafkaBrokerError'
  | 'CompressionError'
  | 'KafkaConnectionError'
  | 'RequestTimeoutError'
  | 'FrameTooLargeError'
  | 'UnsupportedVersionError'
  | 'SaslAuthenticationError'
  | 'OperationTimeoutError'
  | 'CircuitOpenError'
  | 'AllBrokersUnavailableError'
  | 'ClientClosedError'
  | 'InvalidPartitionError'
  | 'InvalidRecordError'
  | 'RecordTooLargeError'
  | 'BufferExhaustedError'
  | 'DeliveryTimeoutError'
  | 'DeliveryError'
  | 'ProducerFencedError'
  | 'ProducerClosedError'
  | 'TransactionAbortedError'
  | 'TransactionOutcomeUnknownError'
  | 'OffsetOutOfRangeError'
  | 'CorruptRecordError'
  | 'NotAssignedError'
  | 'NoGroupError'
  | 'FencedInstanceIdError'
  | 'ConsumerClosedError';

export class KafkaError extends Error {
  declare readonly name: KafkaErrorName;
  readonly code: number;
  readonly retriable: boolean;

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // rxkafka's own classes then set their literal; a user's subclass keeps its class name. Enumerable, as
    // the subclasses' field is: V8 (Node 20) keeps the attributes of an existing property when it
    // optimises a class-field define, so anything else would differ from instance to instance
    Object.defineProperty(this, 'name', { value: new.target === KafkaError ? 'KafkaError' : new.target.name, writable: true, enumerable: true, configurable: true });
    this.code = options.code ?? -1;
    this.retriable = options.retriable ?? false;
  }
}

/** Bytes that do not decode: truncated, oversized, or of a shape the protocol forbids. */
export class KafkaProtocolError extends KafkaError {
  override readonly name = 'KafkaProtocolError' as const;
  /** Byte offset in the input where decoding failed. */
  readonly offset: number;

  constructor(message: string, offset: number, options: KafkaErrorOptions = {}) {
    super(`${message} (at byte ${offset})`, options);
    this.offset = offset;
  }
}

/**
 * A message that cannot be encoded as its version asks: a number out of its field's range, a
 * string or array too long for its length prefix, null where the version allows none. Nothing
 * was sent. `cause` is what the encoder threw, when it threw.
 */
export class EncodingError extends KafkaError {
  override readonly name = 'EncodingError' as const;

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
  }
}

/** What was thrown, in words: an Error's message, or the value itself. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Anything thrown, as a KafkaError: our own pass as they are, anything else becomes the cause. */
export function asKafkaError(e: unknown): KafkaError {
  if (e instanceof KafkaError) return e;
  return new KafkaError(messageOf(e), { cause: e });
}

/** A configuration value rejected at construction; `field` names the offending option. */
export class KafkaConfigError extends KafkaError {
  override readonly name = 'KafkaConfigError' as const;
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`invalid config "${field}": ${problem}`);
    this.field = field;
  }
}

import { KafkaError } from '../errors.js';
import { ErrorCode } from '../protocol/error-codes.js';

/** The connection could not be opened, or broke; pending requests on it fail with this. */
export class KafkaConnectionError extends KafkaError {
  override readonly name = 'KafkaConnectionError' as const;
  readonly broker: string;

  constructor(broker: string, message: string, cause?: unknown) {
    super(`${broker}: ${message}`, { retriable: true, cause });
    this.broker = broker;
  }
}

/** No answer within requestTimeoutMs. The request may still have been applied by the broker. */
export class RequestTimeoutError extends KafkaError {
  override readonly name = 'RequestTimeoutError' as const;
  constructor(broker: string, api: string, timeoutMs: number) {
    super(`${broker}: ${api} request timed out after ${timeoutMs} ms`, { retriable: true });
  }
}

/** A frame whose size prefix exceeds maxFrameBytes; the connection is closed, never reused. */
export class FrameTooLargeError extends KafkaError {
  override readonly name = 'FrameTooLargeError' as const;
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(`frame of ${size} bytes exceeds the ${limit}-byte limit`);
    this.size = size;
    this.limit = limit;
  }
}

/** Neither side has a version of this API the other accepts. */
export class UnsupportedVersionError extends KafkaError {
  override readonly name = 'UnsupportedVersionError' as const;
  constructor(broker: string, api: string, detail: string) {
    super(`${broker}: no common version of ${api} (${detail})`, { code: ErrorCode.UNSUPPORTED_VERSION });
  }
}

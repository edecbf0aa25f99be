import { KafkaError } from '../errors.js';
import type { ProducerRecord } from './record.js';

/** bufferMemory stayed full for maxBlockMs: the record was not accepted. */
export class BufferExhaustedError extends KafkaError {
  override readonly name = 'BufferExhaustedError' as const;
  constructor(bufferMemory: number, maxBlockMs: number, detail?: string) {
    super(detail ?? `producer buffer (${bufferMemory} bytes) stayed full for ${maxBlockMs} ms`, { retriable: true });
  }
}

/** One record larger than a request may be; rejected alone, its neighbours go on. */
export class RecordTooLargeError extends KafkaError {
  override readonly name = 'RecordTooLargeError' as const;
  constructor(size: number, limit: number) {
    super(`record of ${size} bytes exceeds maxRequestBytes ${limit}`, { code: 10 });
  }
}

/** A record that cannot be sent as given (no topic, a value of the wrong type, ...). */
export class InvalidRecordError extends KafkaError {
  override readonly name = 'InvalidRecordError' as const;
  readonly field: string;

  constructor(field: string, problem: string, cause?: unknown) {
    super(`invalid record: "${field}" ${problem}`, { cause });
    this.field = field;
  }
}

/** The record was not acknowledged within deliveryTimeoutMs, retries included. */
export class DeliveryTimeoutError extends KafkaError {
  override readonly name = 'DeliveryTimeoutError' as const;
  constructor(timeoutMs: number, cause?: unknown) {
    super(`record not delivered within deliveryTimeoutMs (${timeoutMs} ms)`, { retriable: true, cause });
  }
}

/** Another producer with the same transactionalId took over; this one sends nothing more. */
export class ProducerFencedError extends KafkaError {
  override readonly name = 'ProducerFencedError' as const;
  constructor(detail: string) {
    super(`producer fenced: ${detail}`, { code: 90 });
  }
}

/** The producer was closed; nothing more is accepted. */
export class ProducerClosedError extends KafkaError {
  override readonly name = 'ProducerClosedError' as const;
  constructor() {
    super('producer is closed');
  }
}

/** A record that failed, with the context it carried, on produce()'s error channel or errors$. */
export class DeliveryError<C = unknown> extends KafkaError {
  override readonly name = 'DeliveryError' as const;
  constructor(
    readonly record: ProducerRecord<C>,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`record for ${record?.topic} not delivered: ${reason}`, {
      cause,
      code: cause instanceof KafkaError ? cause.code : -1,
      retriable: cause instanceof KafkaError ? cause.retriable : false,
    });
  }
}

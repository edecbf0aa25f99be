import { describe, expect, it } from 'vitest';
import {
  AllBrokersUnavailableError,
  BufferExhaustedError,
  CircuitOpenError,
  CompressionError,
  ClientClosedError,
  ConsumerClosedError,
  CorruptRecordError,
  FencedInstanceIdError,
  NoGroupError,
  NotAssignedError,
  OffsetOutOfRangeError,
  DeliveryError,
  DeliveryTimeoutError,
  EncodingError,
  FrameTooLargeError,
  InvalidPartitionError,
  InvalidRecordError,
  KafkaBrokerError,
  KafkaConfigError,
  KafkaConnectionError,
  KafkaError,
  KafkaProtocolError,
  ProducerClosedError,
  ProducerFencedError,
  RecordTooLargeError,
  RequestTimeoutError,
  SaslAuthenticationError,
  TransactionAbortedError,
  TransactionOutcomeUnknownError,
  UnsupportedVersionError,
  type KafkaErrorName,
} from '../src/index.js';
import { OperationTimeoutError } from '../src/operators/index.js';
import { errorByCode } from '../src/protocol/index.js';

/**
 * One of every error rxkafka raises, by name. A Record over the union: the compiler refuses a
 * name without an error here, and an error here whose name is not in the union.
 */
const every: Record<KafkaErrorName, () => KafkaError> = {
  KafkaError: () => new KafkaError('x'),
  KafkaConfigError: () => new KafkaConfigError('field', 'problem'),
  KafkaProtocolError: () => new KafkaProtocolError('x', 0),
  EncodingError: () => new EncodingError('x', new RangeError('y')),
  KafkaBrokerError: () => new KafkaBrokerError(errorByCode(6)),
  CompressionError: () => new CompressionError('lz4', new Error('x')),
  KafkaConnectionError: () => new KafkaConnectionError('b', 'x'),
  RequestTimeoutError: () => new RequestTimeoutError('b', 'Metadata', 1),
  FrameTooLargeError: () => new FrameTooLargeError(2, 1),
  UnsupportedVersionError: () => new UnsupportedVersionError('b', 'Fetch', 'x'),
  SaslAuthenticationError: () => new SaslAuthenticationError('x'),
  OperationTimeoutError: () => new OperationTimeoutError(1),
  CircuitOpenError: () => new CircuitOpenError('b'),
  AllBrokersUnavailableError: () => new AllBrokersUnavailableError(new Map()),
  ClientClosedError: () => new ClientClosedError(),
  InvalidPartitionError: () => new InvalidPartitionError('t', 9, 1),
  InvalidRecordError: () => new InvalidRecordError('value', 'x'),
  RecordTooLargeError: () => new RecordTooLargeError(2, 1),
  BufferExhaustedError: () => new BufferExhaustedError(1, 1),
  DeliveryTimeoutError: () => new DeliveryTimeoutError(1),
  DeliveryError: () => new DeliveryError({ topic: 't', value: null }, new Error('x')),
  ProducerFencedError: () => new ProducerFencedError('x'),
  ProducerClosedError: () => new ProducerClosedError(),
  TransactionAbortedError: () => new TransactionAbortedError(new Error('x')),
  TransactionOutcomeUnknownError: () => new TransactionOutcomeUnknownError(new Error('x')),
  OffsetOutOfRangeError: () => new OffsetOutOfRangeError('t', 0, 5n),
  CorruptRecordError: () => new CorruptRecordError('t', 0, 5n, new Error('crc')),
  NotAssignedError: () => new NotAssignedError('t', 0, 'seek'),
  NoGroupError: () => new NoGroupError('commit'),
  FencedInstanceIdError: () => new FencedInstanceIdError('i'),
  ConsumerClosedError: () => new ConsumerClosedError(),
};

describe('error names', () => {
  it.each(Object.entries(every))('%s has its own name, at run time too, and is a KafkaError', (name, make) => {
    const e = make();
    expect(e.name).toBe(name);
    expect(e).toBeInstanceOf(KafkaError);
    expect(String(e)).toMatch(new RegExp(`^${name}: `));
  });

  it("a user's own subclass keeps its class name", () => {
    class MyAppError extends KafkaError {}
    expect(new MyAppError('x').name).toBe('MyAppError');
    expect(String(new MyAppError('x'))).toBe('MyAppError: x');
  });

  it('a switch over them is checked', () => {
    const kind = (e: KafkaError): string => {
      switch (e.name) {
        case 'RequestTimeoutError':
        case 'KafkaConnectionError':
          return 'transient';
        // @ts-expect-error: not a name rxkafka gives an error
        case 'TimeoutError':
          return 'never';
        default:
          return 'other';
      }
    };
    expect(kind(every.RequestTimeoutError())).toBe('transient');
    expect(kind(every.ClientClosedError())).toBe('other');
  });

  it('every instance of a class has the same own name property, however often it is made (errors compare equal)', () => {
    for (const [name, make] of Object.entries(every)) {
      const descriptors = Array.from({ length: 50 }, () => JSON.stringify(Object.getOwnPropertyDescriptor(make(), 'name')));
      expect(new Set(descriptors), name).toEqual(new Set([JSON.stringify({ value: name, writable: true, enumerable: true, configurable: true })]));
    }
  });
});

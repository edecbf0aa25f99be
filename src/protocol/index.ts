/** The wire layer, `rxkafka/protocol`: record batches, messages, primitives, error codes. Pure, no I/O. */
export * from './records/index.js';
export * from './messages/index.js';
export { COMPRESSION_NAMES, codecByName, CompressionError, CompressionId, type Codec } from './compression/index.js';
export { Reader, Writer, type ReaderOptions } from './primitives.js';
export { ErrorCode, errorByCode, errorCodes, KafkaBrokerError, kafkaErrorFromCode, type ErrorCodeInfo } from './error-codes.js';
export * from './enums.js';
export { KafkaProtocolError } from '../errors.js';

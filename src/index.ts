/** rxkafka: a Kafka client built on RxJS. */
export { createClient, type KafkaClient } from './client.js';
/** Every API's declaration, for `client.request(target, api.ListOffsets, body)` (also in `rxkafka/protocol`). */
export * as api from './protocol/messages/generated/index.js';
export {
  AllBrokersUnavailableError,
  ClientClosedError,
  STALE_METADATA_CODES,
  type BodyFor,
  type BrokerInfo,
  type BrokerStats,
  type ChannelRequestOptions,
  type CircuitBreakerConfig,
  type ClientConfig,
  type ClientCloseOptions,
  type ClientRequestOptions,
  type ClientStats,
  type Closable,
  type ClusterClient,
  type ConnectionPurpose,
  type CoordinatorType,
  type ClusterMetadata,
  type PartitionMetadata,
  type RequestTarget,
  type RetryConfig,
  type TopicMetadata,
  type TopicState,
} from './cluster/index.js';
export { EncodingError, KafkaConfigError, KafkaError, KafkaProtocolError, type KafkaErrorName, type KafkaErrorOptions } from './errors.js';
export { CompressionError } from './protocol/compression/index.js';
export { KafkaBrokerError, ErrorCode } from './protocol/error-codes.js';
export {
  FrameTooLargeError,
  KafkaConnectionError,
  RequestTimeoutError,
  UnsupportedVersionError,
  connect,
  socketTransport,
  type Connection,
  type ConnectionOptions,
  type ConnectionStats,
  type RequestOptions,
  type Transport,
  type TransportSocket,
  type TransportTarget,
} from './network/index.js';
export { CircuitOpenError, type CircuitState } from './operators/index.js';
export {
  BufferExhaustedError,
  DeliveryError,
  DeliveryTimeoutError,
  InvalidRecordError,
  ProducerClosedError,
  ProducerFencedError,
  RecordTooLargeError,
} from './producer/errors.js';
export { Producer, type ProducerStats } from './producer/producer.js';
export {
  TransactionAbortedError,
  TransactionOutcomeUnknownError,
  TransactionalProducer,
  type Transaction,
  type TransactionOffset,
} from './producer/transactional-producer.js';
export type { Acks, ProducerConfig } from './producer/config.js';
export { Consumer, type CloseOptions, type ConsumerStats, type PartitionStats } from './consumer/consumer.js';
export type { AckMode, AssignedPartitionInput, AutoOffsetReset, BuiltInAssignorName, ConsumerConfig, IsolationLevelName } from './consumer/config.js';
export { ConsumerRecord, type ConsumerBatch, type PartitionStream, type RebalanceEvent } from './consumer/record.js';
export type { RecordHeader } from './protocol/records/index.js';
export type { TopicPartition } from './topic-partition.js';
export type { Assignor, AssignorMember, MemberAssignment, SubscriptionContext } from './consumer/assignors/assignor.js';
export { acknowledge } from './consumer/acknowledge.js';
export { ConsumerClosedError, CorruptRecordError, FencedInstanceIdError, NoGroupError, NotAssignedError, OffsetOutOfRangeError } from './consumer/errors.js';
export type { HeadersInput, MetadataFor, ProducerRecord, RecordData, RecordMetadata, SendRecords } from './producer/record.js';
export { InvalidPartitionError, murmur2, partitionForKey, type Partitioner, type PartitionerRecord } from './producer/partitioners/index.js';
export { SaslAuthenticationError, type SaslMechanism, type SaslOptions } from './network/index.js';

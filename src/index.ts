/** rxkafka: a Kafka client built on RxJS. */
export {
  AllBrokersUnavailableError,
  ClientClosedError,
  createClient,
  STALE_METADATA_CODES,
  type BodyFor,
  type BrokerInfo,
  type BrokerStats,
  type CircuitBreakerConfig,
  type ClientConfig,
  type ClientStats,
  type ClusterMetadata,
  type KafkaClient,
  type PartitionMetadata,
  type RequestTarget,
  type RetryConfig,
  type TopicMetadata,
} from './cluster/index.js';
export { KafkaConfigError, KafkaError, KafkaProtocolError, type KafkaErrorOptions } from './errors.js';
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

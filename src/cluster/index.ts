export { createClusterClient, type ClientCloseOptions, type ClientRequestOptions, type Closable, type ClientStats, type ClusterClient, type RequestTarget } from './client.js';
export type { CircuitBreakerConfig, ClientConfig, RetryConfig } from './config.js';
export type { BodyFor, BrokerStats, ChannelRequestOptions } from './broker-channel.js';
export type { ConnectionPurpose } from './connection-purpose.js';
export { AllBrokersUnavailableError, ClientClosedError } from './errors.js';
export type { CoordinatorType } from './coordinators.js';
export type { BrokerInfo, ClusterMetadata, PartitionMetadata, TopicMetadata } from './metadata.js';
export { STALE_METADATA_CODES } from './metadata-cache.js';
export type { TopicState } from './topic-watch.js';

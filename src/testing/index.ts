/**
 * `rxkafka/testing`: an in-process Kafka cluster (MockCluster) and helpers for testing code
 * built on rxkafka.
 */
export { createMarbleScheduler } from './marble-scheduler.js';
export { MockCluster, type MockClusterOptions, type MockPartitionInfo, type MockClusterSasl } from './mock-cluster/mock-cluster.js';
export type { ReceivedRequest, TopicSpec } from './mock-cluster/state.js';
export { MemoryNetwork, type MemoryServerSocket } from './memory-network.js';
export { virtualTime, type VirtualTime, type VirtualTimeOptions } from './virtual-time.js';

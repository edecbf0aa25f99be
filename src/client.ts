import { createClusterClient, type ClientConfig, type ClusterClient } from './cluster/index.js';
import { defaultScheduler } from './clock.js';
import { TransactionalProducer } from './producer/transactional-producer.js';
import { Producer } from './producer/producer.js';
import type { ProducerConfig } from './producer/config.js';
import { Consumer } from './consumer/consumer.js';
import type { ConsumerConfig } from './consumer/config.js';

/** A client for one Kafka cluster: metadata, typed requests, health, producers and consumers. */
export interface KafkaClient extends ClusterClient {
  /** A transactional producer: it sends inside `producer.transaction(...)`. */
  producer(config: ProducerConfig & { transactionalId: string }): TransactionalProducer;
  /**
   * A producer on this client's connections, closed with the client (flushing). Throws
   * ClientClosedError once the client is closing.
   */
  producer(config?: ProducerConfig): Producer;
  /**
   * A consumer on this client's connections (a group member with `groupId` and `topics`, or
   * fixed partitions with `assign`), closed with the client. It starts when its streams are
   * first subscribed. Invalid options are rejected here, by name.
   */
  consumer(config: ConsumerConfig): Consumer;
}

/** A client for one Kafka cluster. Invalid or unknown options are rejected here, by name. */
export function createClient(config: ClientConfig): KafkaClient {
  const cluster = createClusterClient(config);
  const scheduler = config.scheduler ?? defaultScheduler;
  // the client's randomness, unless the producer has its own: one seed replays a whole run
  const withClientDefaults = (c: ProducerConfig): ProducerConfig => (config.random !== undefined && c.random === undefined ? { ...c, random: config.random } : c);
  const producer = (producerConfig: ProducerConfig = {}) =>
    producerConfig.transactionalId !== undefined
      ? new TransactionalProducer(cluster, withClientDefaults(producerConfig), scheduler)
      : new Producer(cluster, withClientDefaults(producerConfig), scheduler);
  // Delegation, not inheritance: the producers and the caller share one cluster client.
  // typed, not cast: a method added to ClusterClient and not delegated here fails to compile
  const client: KafkaClient = {
    metadata: (topics) => cluster.metadata(topics),
    metadata$: (topics) => cluster.metadata$(topics),
    leaderFor: (topic, partition) => cluster.leaderFor(topic, partition),
    coordinator: (type, key) => cluster.coordinator(type, key),
    invalidateMetadata: (topic, errorCode) => cluster.invalidateMetadata(topic, errorCode),
    watchTopic: (topic) => cluster.watchTopic(topic),
    request: (target, api, body, options) => cluster.request(target, api, body, options),
    stats$: cluster.stats$,
    own: (child) => cluster.own(child),
    close: (options) => cluster.close(options),
    producer: producer as KafkaClient['producer'],
    consumer: (consumerConfig) => new Consumer(cluster, consumerConfig, scheduler),
  };
  return client;
}

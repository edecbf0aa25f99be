import { KafkaConfigError } from '../errors.js';
import { COMPRESSION_NAMES, type CompressionName } from '../protocol/compression/index.js';
import type { Partitioner } from './partitioners/index.js';

export type Acks = 'all' | -1 | 0 | 1;

export interface ProducerConfig {
  /** 'all' (= -1): every in-sync replica; 1: the leader; 0: no answer at all. Default 'all'. */
  acks?: Acks;
  /** No duplicates, no reordering across retries. Default true when acks is 'all'. */
  idempotent?: boolean;
  /** Makes the producer transactional (implies idempotent). */
  transactionalId?: string;
  /** Default 'none'. */
  compression?: CompressionName;
  /** How long a partition's batch waits for more records (see sendWhenIdle). Default 5. */
  lingerMs?: number;
  /**
   * A record that finds its partition idle (nothing of it in flight or waiting to go) goes at
   * once, without lingering: a low rate pays a round trip rather than lingerMs. Records arriving
   * while the partition's batches are out fill the open batch, which goes when the last of them
   * is answered, when lingerMs passes, or at batchBytes, whichever comes first: Nagle's algorithm
   * for a partition. false: every batch lingers (the Java client's rule). Default true.
   */
  sendWhenIdle?: boolean;
  /**
   * A partition's batch is sent once it holds this many bytes. Default 1,000,000 (librdkafka's
   * batch.size; within Kafka's default max.message.bytes), or maxRequestBytes if that is less.
   * Chosen by measurement (README, "Producer defaults"): with 16 KiB batches a partition moves
   * 16 KiB per round trip, and the obvious code ran at a third of the speed. It costs nothing at
   * low rates, where a batch goes (sendWhenIdle, lingerMs) long before it fills.
   */
  batchBytes?: number;
  /** Bytes of records the producer holds before send() waits. Default 32 MiB. */
  bufferMemory?: number;
  /** How long send() waits for buffer room before BufferExhaustedError. Default 60000. */
  maxBlockMs?: number;
  /**
   * Bytes of single records waiting for buffer room behind others, each counted as its size plus
   * 256 for the objects that hold it. Past it a record is refused at once with
   * BufferExhaustedError. One send([...]) call, or one synchronous burst of next()/produce()
   * records (as from(array) makes), that finds nobody waiting is taken whole, however large: it
   * waits as the caller's records, put into bytes as room frees. Default 4 × bufferMemory.
   */
  maxWaitingBytes?: number;
  /**
   * Produce requests in flight per broker, and with idempotence batches in flight per partition.
   * Default 5, and at most 5 with idempotence: the batches a broker remembers per producer for
   * dedupe (KIP-98). Without idempotence a partition has one batch in flight at a time.
   */
  maxInFlight?: number;
  /**
   * Time from send() to a final outcome, retries included. Default 120000. A batch in flight at
   * that moment: without idempotence it is abandoned then (it may still be written, as after any
   * timeout); with idempotence its answer is waited for, at most requestTimeoutMs + 5 s after the
   * request went out, since reporting it failed while it may still be written would break
   * exactly-once.
   */
  deliveryTimeoutMs?: number;
  /** Largest Produce request; a larger record is rejected alone. Default 1 MiB. */
  maxRequestBytes?: number;
  /** Time the broker may take to replicate (acks 'all'). Default 30000. */
  requestTimeoutMs?: number;
  /** 'murmur2' (keys by murmur2 as the Java client, keyless sticky) or your own function. */
  partitioner?: 'murmur2' | Partitioner;
  /** Transaction timeout told to the coordinator. Default 60000. */
  transactionTimeoutMs?: number;
  /** Uniform numbers in [0, 1) for the sticky partition choice and retry jitter. Default: the client's. */
  random?: () => number;
}

export interface ResolvedProducerConfig {
  acks: -1 | 0 | 1;
  idempotent: boolean;
  transactionalId: string | null;
  compression: CompressionName;
  lingerMs: number;
  sendWhenIdle: boolean;
  batchBytes: number;
  bufferMemory: number;
  maxBlockMs: number;
  maxWaitingBytes: number;
  maxInFlight: number;
  deliveryTimeoutMs: number;
  maxRequestBytes: number;
  requestTimeoutMs: number;
  partitioner: 'murmur2' | Partitioner;
  transactionTimeoutMs: number;
  random: () => number;
}

const int = (v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new KafkaConfigError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
};

const KNOWN = new Set<string>([
  'acks', 'idempotent', 'transactionalId', 'compression', 'lingerMs', 'sendWhenIdle', 'batchBytes', 'bufferMemory', 'maxBlockMs', 'maxWaitingBytes',
  'maxInFlight', 'deliveryTimeoutMs', 'maxRequestBytes', 'requestTimeoutMs', 'partitioner', 'transactionTimeoutMs', 'random',
]);

/** Rejects an unknown or invalid option, naming it; fills in defaults. */
export function resolveProducerConfig(config: ProducerConfig = {}): ResolvedProducerConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaConfigError('producer', 'config must be an object');
  for (const key of Object.keys(config)) if (!KNOWN.has(key)) throw new KafkaConfigError(key, 'unknown producer option');
  const acksIn = config.acks ?? 'all';
  if (![-1, 0, 1, 'all'].includes(acksIn)) throw new KafkaConfigError('acks', "must be 'all', -1, 0 or 1");
  const acks = acksIn === 'all' ? -1 : acksIn;
  const transactionalId = config.transactionalId ?? null;
  if (transactionalId !== null && (typeof transactionalId !== 'string' || transactionalId === '')) {
    throw new KafkaConfigError('transactionalId', 'must be a non-empty string');
  }
  if (config.idempotent !== undefined && typeof config.idempotent !== 'boolean') {
    throw new KafkaConfigError('idempotent', 'must be true or false');
  }
  const idempotent = config.idempotent ?? (acks === -1 || transactionalId !== null);
  if (idempotent && acks !== -1) throw new KafkaConfigError('acks', "must be 'all' for an idempotent producer");
  if (transactionalId !== null && !idempotent) throw new KafkaConfigError('idempotent', 'a transactional producer is idempotent');
  const compression = config.compression ?? 'none';
  if (!COMPRESSION_NAMES.includes(compression)) throw new KafkaConfigError('compression', `must be one of ${COMPRESSION_NAMES.join(', ')}`);
  const partitioner = config.partitioner ?? 'murmur2';
  if (partitioner !== 'murmur2' && typeof partitioner !== 'function') {
    throw new KafkaConfigError('partitioner', "must be 'murmur2' or a function (record, partitionCount) => number");
  }
  if (config.sendWhenIdle !== undefined && typeof config.sendWhenIdle !== 'boolean') {
    throw new KafkaConfigError('sendWhenIdle', 'must be true or false');
  }
  const random = config.random ?? Math.random;
  if (typeof random !== 'function') throw new KafkaConfigError('random', 'must be a function returning numbers in [0, 1)');
  const maxInFlight = int(config.maxInFlight ?? 5, 'maxInFlight', 1, idempotent ? 5 : 1000);
  const maxRequestBytes = int(config.maxRequestBytes ?? 1 << 20, 'maxRequestBytes', 1024, 0x7fffffff);
  const batchBytes = int(config.batchBytes ?? Math.min(1_000_000, maxRequestBytes), 'batchBytes', 1, 0x7fffffff);
  if (batchBytes > maxRequestBytes) throw new KafkaConfigError('batchBytes', 'must not exceed maxRequestBytes');
  const bufferMemory = int(config.bufferMemory ?? 32 << 20, 'bufferMemory', 1024);
  return {
    acks,
    idempotent,
    transactionalId,
    compression,
    lingerMs: int(config.lingerMs ?? 5, 'lingerMs', 0),
    sendWhenIdle: config.sendWhenIdle ?? true,
    batchBytes,
    bufferMemory,
    maxBlockMs: int(config.maxBlockMs ?? 60_000, 'maxBlockMs', 0),
    maxWaitingBytes: int(config.maxWaitingBytes ?? bufferMemory * 4, 'maxWaitingBytes', 0, Number.MAX_SAFE_INTEGER),
    maxInFlight,
    deliveryTimeoutMs: int(config.deliveryTimeoutMs ?? 120_000, 'deliveryTimeoutMs', 1),
    maxRequestBytes,
    requestTimeoutMs: int(config.requestTimeoutMs ?? 30_000, 'requestTimeoutMs', 1),
    partitioner,
    transactionTimeoutMs: int(config.transactionTimeoutMs ?? 60_000, 'transactionTimeoutMs', 1),
    random,
  };
}

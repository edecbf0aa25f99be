/**
 * Which partition a record goes to. An explicit `partition` on the record wins and is the
 * producer's business; this module decides for the rest: keyed records by the Java client's
 * murmur2 (so keys co-partition with every other Kafka client), keyless ones sticky (KIP-480),
 * or by a user's own function, whose answer is checked before anything relies on it.
 */
import { KafkaConfigError, KafkaError } from '../../errors.js';
import { partitionForKey } from './murmur2.js';
import { StickyPartitioner } from './sticky.js';

export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export { StickyPartitioner, type StickyPartitionerOptions } from './sticky.js';

/** What a partitioner sees of a record: key and value already serialised to bytes. */
export interface PartitionerRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A user-supplied partitioner: returns an integer in [0, partitionCount). */
export type Partitioner = (record: PartitionerRecord, partitionCount: number) => number;

/** The producer's view of any partitioner, built-in or custom. */
export interface RecordPartitioner {
  /**
   * The partition for `record` among `partitionCount` partitions. `availablePartitions`
   * (those with a leader) steers keyless records only; keys always hash over all partitions.
   */
  partition(record: PartitionerRecord, partitionCount: number, availablePartitions?: readonly number[]): number;
  /**
   * True when the record's partition depends on which batches are open (keyless records of the
   * default partitioner): such a record may be moved when it would start a new batch.
   */
  sticky(record: PartitionerRecord): boolean;
  /** The batch for `previous` on `topic` was closed: keyless records may move elsewhere. */
  onNewBatch(topic: string, previous: number, partitionCount: number, availablePartitions?: readonly number[]): void;
}

/** A partitioner answered something that is not a partition of the topic, or threw. */
export class InvalidPartitionError extends KafkaError {
  override readonly name = 'InvalidPartitionError' as const;
  readonly topic: string;
  /** What the partitioner returned (`undefined` when it threw; see `cause`). */
  readonly value: unknown;
  readonly partitionCount: number;

  constructor(topic: string, value: unknown, partitionCount: number, cause?: unknown) {
    const what = cause === undefined ? `returned ${describe(value)}` : 'threw';
    super(
      `partitioner ${what} for topic "${topic}"; expected an integer in [0, ${partitionCount})`,
      cause === undefined ? {} : { cause },
    );
    this.topic = topic;
    this.value = value;
    this.partitionCount = partitionCount;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return typeof value;
}

export interface DefaultPartitionerOptions {
  /** Randomness for choosing sticky partitions, uniform in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Keys by murmur2 (Java-compatible), keyless records sticky. */
export function createDefaultPartitioner(options: DefaultPartitionerOptions = {}): RecordPartitioner {
  const sticky = new StickyPartitioner(options);
  return {
    partition(record, partitionCount, availablePartitions) {
      return record.key !== null
        ? partitionForKey(record.key, partitionCount)
        : sticky.partition(record.topic, partitionCount, availablePartitions);
    },
    sticky: (record) => record.key === null,
    onNewBatch(topic, previous, partitionCount, availablePartitions) {
      sticky.onNewBatch(topic, previous, partitionCount, availablePartitions);
    },
  };
}

/**
 * Wraps a user's partitioner so that a bad answer (not an integer in range) or a throw
 * becomes an `InvalidPartitionError` for that record rather than a record sent nowhere.
 */
export function fromCustomPartitioner(custom: Partitioner): RecordPartitioner {
  return {
    partition(record, partitionCount) {
      let value: unknown;
      try {
        value = custom(record, partitionCount);
      } catch (error) {
        throw new InvalidPartitionError(record.topic, undefined, partitionCount, error);
      }
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= partitionCount) {
        throw new InvalidPartitionError(record.topic, value, partitionCount);
      }
      return value as number;
    },
    sticky: () => false,
    onNewBatch() {
      // A custom partitioner has no batch-dependent state.
    },
  };
}

/** The producer's `partitioner` option: 'murmur2' (the default) or a function. */
export type PartitionerOption = 'murmur2' | Partitioner;

/** Builds the producer's partitioner; anything but 'murmur2' or a function is a config error. */
export function createPartitioner(
  option: PartitionerOption = 'murmur2',
  options: DefaultPartitionerOptions = {},
): RecordPartitioner {
  if (option === 'murmur2') return createDefaultPartitioner(options);
  if (typeof option === 'function') return fromCustomPartitioner(option);
  throw new KafkaConfigError('partitioner', `expected 'murmur2' or a function, got ${describe(option)}`);
}

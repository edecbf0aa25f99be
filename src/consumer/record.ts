import type { Observable } from 'rxjs';
import type { RecordHeader } from '../protocol/records/index.js';
import type { TopicPartition } from '../topic-partition.js';

/**
 * A fetched batch as handed to subscribers: its records, and which of them are acked. Owned by
 * its partition's tracker; the records point back to it.
 */
export interface HandedBatch {
  readonly records: readonly ConsumerRecord[];
  /** The offset after the batch's last record (control records and skipped batches included). */
  readonly nextOffset: bigint;
  /** The bytes it came in, counted against maxBufferedBytes until every record is acked. */
  readonly bytes: number;
  /** Acks record `index`, through its partition's tracker (which drops it once the partition is given up). */
  ack(index: number): void;
}

/**
 * One record as read. `key` and `value` are views into the fetched bytes (no copy), or null:
 * keep a copy (`Buffer.from(value)`) to hold one past its processing.
 */
export class ConsumerRecord {
  #batch: HandedBatch | null = null;
  #index = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    readonly timestamp: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: readonly RecordHeader[],
    readonly leaderEpoch: number,
  ) {}

  /** Internal: ties the record to its batch in its partition's tracker, once the batch is made. */
  link(batch: HandedBatch, index: number): void {
    this.#batch = batch;
    this.#index = index;
  }

  /**
   * Marks the record processed (manual ack mode; in auto mode records are acked as they are
   * handed out). Acks may come in any order: a partition's committed offset moves only over a
   * contiguous run of acked records. An ack after the partition was revoked or lost is dropped.
   */
  ack(): void {
    this.#batch?.ack(this.#index);
  }
}

/** The records of one fetched batch of one partition, in offset order. */
export interface ConsumerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumerRecord[];
  /** The partition's high watermark as of the fetch: its lag is highWatermark - (last offset + 1). */
  readonly highWatermark: bigint;
}

/** One assigned partition's streams: they complete when it is revoked or lost. */
export interface PartitionStream extends TopicPartition {
  readonly records$: Observable<ConsumerRecord>;
  readonly batches$: Observable<ConsumerBatch>;
}

/**
 * A change of assignment. 'assigned' comes before the first record of the partitions it names;
 * 'revoked' after their records' acks were waited for and committed; 'lost' when they were
 * taken away without that (session expired, fenced): nothing of them is committed.
 */
export interface RebalanceEvent {
  readonly type: 'assigned' | 'revoked' | 'lost';
  readonly partitions: readonly TopicPartition[];
  /** The group generation (-1 without a group). */
  readonly generationId: number;
  /** This member's id ('' without a group). */
  readonly memberId: string;
}

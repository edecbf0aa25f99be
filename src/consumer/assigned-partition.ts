import type { RecordFactory } from '../protocol/records/index.js';
import type { PartitionAcks } from './partition-acks.js';
import { ConsumerRecord } from './record.js';

/** What the consumer knows of one partition it owns: where it reads, and what holds it back. */
export class AssignedPartition {
  /** The next offset to fetch; null until known (committed offset, or reset). */
  position: bigint | null = null;
  /** Paused by the user (pause/resume). */
  paused = false;
  /** In a Fetch under way: not named in another until it is answered. */
  fetching = false;
  /** After a partition error, not fetched again before this time (scheduler ms). */
  retryAt = 0;
  /** The high watermark as of the last fetch, -1 before one. */
  highWatermark = -1n;
  /** Out of range: the position is reset by autoOffsetReset, not taken from the committed offset. */
  resetting = false;
  /** The position that was out of range, for the error under autoOffsetReset 'none'. */
  resetFrom: bigint | null = null;
  /** The replica the leader asked this consumer to read from (KIP-392), and until when; null: the leader. */
  readReplica: number | null = null;
  readReplicaUntil = 0;

  /** Decodes this partition's records straight into ConsumerRecords. */
  readonly newRecord: RecordFactory;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly acks: PartitionAcks,
    /** Where the user asked to start (assign with offset, or seek before the position was known). */
    public requestedOffset: bigint | null,
  ) {
    this.newRecord = (offset, timestamp, key, value, headers, leaderEpoch) => new ConsumerRecord(topic, partition, offset, timestamp, key, value, headers, leaderEpoch);
  }

  /** Records between the position and the high watermark (null while either is unknown). */
  get lag(): bigint | null {
    if (this.position === null || this.highWatermark < 0n) return null;
    const lag = this.highWatermark - this.position;
    return lag > 0n ? lag : 0n;
  }
}

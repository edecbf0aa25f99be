import type { KafkaError } from '../errors.js';
import { ErrorCode, kafkaErrorFromCode } from '../protocol/error-codes.js';
import type { Accumulator } from './accumulator.js';
import type { RecordPartitioner } from './partitioners/index.js';
import type { PendingRecord } from './record.js';
import type { TopicInfo, TopicRegistry } from './topics.js';

/**
 * Where records that hold their buffer room go: into their partition's open batch, by explicit
 * partition or the partitioner, or, while their topic's metadata is not known yet, parked until
 * it is. Owns the parked records.
 */
export class Placement {
  private readonly parked = new Map<string, PendingRecord[]>();

  constructor(
    private readonly topics: TopicRegistry,
    private readonly partitioner: RecordPartitioner,
    private readonly accumulator: Accumulator,
    /** A record that cannot be placed (no such partition, a partitioner that threw): it gives its room back and fails. */
    private readonly failed: (r: PendingRecord, error: Error) => void,
  ) {}

  /**
   * Routes records in order: each run of keyless records of one topic (sticky partitioning) into
   * its partition in one go, the others one by one; a record whose topic's metadata is not known
   * yet is parked until it is.
   */
  route(rs: readonly PendingRecord[]): void {
    let i = 0;
    while (i < rs.length) {
      const r = rs[i];
      const info = this.topics.get(r.topic);
      if (info === undefined || r.partition >= 0 || !this.partitioner.sticky(r)) {
        if (info === undefined) this.park(r);
        else this.place(r, info);
        i++;
        continue;
      }
      let end = i + 1;
      while (end < rs.length && rs[end].topic === r.topic && rs[end].partition < 0 && this.partitioner.sticky(rs[end])) end++;
      // each closed batch moves the sticky partition; the rest of the run follows it
      while (i < end) i = this.accumulator.addRun(r.topic, this.partitioner.partition(rs[i], info.partitions, info.available), rs, i, end);
    }
  }

  private park(r: PendingRecord): void {
    let list = this.parked.get(r.topic);
    if (list === undefined) {
      list = [];
      this.parked.set(r.topic, list);
    }
    list.push(r);
    this.topics.watch(r.topic);
  }

  /** A topic's metadata came (or its lookup failed): its parked records are placed (or fail). Returns how many waited. */
  topicKnown(topic: string, info: TopicInfo | null, error: KafkaError | null): number {
    const waiting = this.parked.get(topic) ?? [];
    this.parked.delete(topic);
    if (info === null) {
      const failure = error ?? kafkaErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic);
      for (const r of waiting) this.failed(r, failure);
    } else {
      for (const r of waiting) this.place(r, info);
    }
    return waiting.length;
  }

  private place(r: PendingRecord, info: TopicInfo): void {
    if (r.partition >= info.partitions) {
      this.failed(r, kafkaErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${r.topic}[${r.partition}]`));
      return;
    }
    if (r.partition >= 0) {
      // a record that closes the open batch goes in the next one (the loop runs at most twice)
      while (!this.accumulator.addOne(r.topic, r.partition, r));
      return;
    }
    let partition: number;
    try {
      partition = this.partitioner.partition(r, info.partitions, info.available);
    } catch (e) {
      this.failed(r, e as Error);
      return;
    }
    // KIP-480: a keyless record that would start a new batch closes the open one, which moves
    // the sticky partition, and goes where it moved (Java's abortOnNewBatch) rather than
    // starting a batch of its own behind and lingering there alone. Other records are
    // partitioned once: they go in the next batch of the same partition.
    const sticky = this.partitioner.sticky(r);
    while (!this.accumulator.addOne(r.topic, partition, r)) {
      if (sticky) partition = this.partitioner.partition(r, info.partitions, info.available);
    }
  }
}

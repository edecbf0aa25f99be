import { asKafkaError } from '../errors.js';
import { partitionKey } from '../topic-partition.js';
import type { ProducerIdentity } from './identity.js';
import type { ProducerBatch } from './producer-batch.js';

const MAX_SEQUENCE = 0x7fffffff;

/** The sequence after `count` records from `seq`: sequences wrap past int32 max to 0. */
export const sequenceAfter = (seq: number, count: number): number => (seq + count) % (MAX_SEQUENCE + 1);

/** What the sequencing needs of the producer around it. */
export interface SequencingHost {
  /** The first identity (InitProducerId, or the transactional producer's). */
  obtain(): Promise<ProducerIdentity>;
  /** The identity after `current`, its epoch bumped (KIP-360). */
  bump(current: ProducerIdentity): Promise<ProducerIdentity>;
  /** Seals a stamped batch and hands it to the sender. */
  dispatch(batch: ProducerBatch): void;
  /** What the sequencing needs of the sender. */
  readonly sender: {
    /** Whether a batch of the partition is in flight or still encoding (its stamp may not change then). */
    busy(topic: string, partition: number): boolean;
    /** The partition's batches not yet acknowledged and not in flight, in send order. */
    queuedOf(topic: string, partition: number): ProducerBatch[];
    /** Sends what may go now (a partition held back may go on). */
    drain(): void;
    stop(error: Error): void;
  };
}

/** One partition's stamp: the identity its batches carry and the next sequence under it. */
interface PartitionStamp {
  identity: ProducerIdentity;
  /** Which of the producer's identities that is: 0 the first, one more for each bump. */
  generation: number;
  next: number;
  /** A batch of it failed for good: nothing of it goes until it moves to a bumped epoch. */
  gap: boolean;
}

/**
 * The one owner of the producer identity, its epoch, and each partition's stamp (the identity
 * its batches carry, and its next sequence). Without idempotence it only passes batches through.
 *
 * The broker keeps producer state per partition, so partitions move to a new epoch one by one
 * (as the Java client does since KIP-360): a partition whose batch failed for good (its
 * sequences now have a gap the broker would refuse every later batch for) is held until nothing
 * of it is in flight and the bumped epoch is known, then its waiting batches are stamped again
 * from sequence 0. Every other partition keeps its pipeline and its epoch.
 */
export class Sequencing {
  /** The newest identity; null until the first one is known. */
  private identity: ProducerIdentity | null = null;
  /** Bumps adopted so far. */
  private generation = 0;
  private obtaining = false;
  /** Batches closed before the first identity was known. */
  private waiting: ProducerBatch[] = [];
  private readonly stamps = new Map<string, PartitionStamp>();
  /** The epoch bump under way: partitions with a gap wait for it. */
  private bumping: Promise<void> | null = null;

  constructor(
    private readonly idempotent: boolean,
    private readonly host: SequencingHost,
  ) {}

  /** A batch just closed: stamped with its partition's identity and next sequence and dispatched, or kept until an identity is known. */
  add(batch: ProducerBatch): void {
    if (!this.idempotent) {
      this.host.dispatch(batch);
      return;
    }
    if (this.identity === null) {
      this.waiting.push(batch);
      this.ensure();
      return;
    }
    this.host.dispatch(this.stamp(batch, this.identity));
  }

  /**
   * Whether the partition's batches may be sent now. A partition with a gap moves to the bumped
   * epoch here, once nothing of it is in flight or encoding: its waiting batches are stamped
   * again, in send order, from sequence 0.
   */
  mayWrite(topic: string, partition: number): boolean {
    if (!this.idempotent) return true;
    const s = this.stamps.get(partitionKey(topic, partition));
    if (s === undefined || !s.gap) return true;
    const identity = this.identity;
    if (this.bumping !== null || identity === null || s.generation === this.generation || this.host.sender.busy(topic, partition)) return false;
    s.identity = identity;
    s.generation = this.generation;
    s.next = 0;
    s.gap = false;
    for (const b of this.host.sender.queuedOf(topic, partition)) {
      b.restamp(identity.producerId, identity.producerEpoch, s.next);
      s.next = sequenceAfter(s.next, b.count);
    }
    return true;
  }

  /**
   * A batch failed for good and left a gap in its partition's sequences (KIP-360): the partition
   * is held (mayWrite) and the epoch bumped, once for every partition with a gap at the time.
   */
  sequenceGap(failed: ProducerBatch): void {
    const s = this.stamps.get(partitionKey(failed.topic, failed.partition));
    // a batch of a stamp already left behind: its successors carry the new one, no gap there
    if (s === undefined || s.gap || failed.producerId !== s.identity.producerId || failed.producerEpoch !== s.identity.producerEpoch) return;
    s.gap = true;
    // a bump under way, or one done since the partition's stamp, serves this gap too
    if (this.bumping === null && s.generation === this.generation) this.bumpEpoch();
    else this.host.sender.drain();
  }

  /** A new identity between transactions, nothing queued or in flight: sequences start over. */
  replace(identity: ProducerIdentity): void {
    this.identity = identity;
    this.generation++;
    this.stamps.clear();
  }

  private bumpEpoch(): void {
    const current = this.identity;
    if (current === null) return;
    this.bumping = this.host
      .bump(current)
      .then((identity) => {
        this.identity = identity;
        this.generation++;
      })
      .catch((e: unknown) => {
        // without a usable identity the partition's batches could never be written in order
        this.host.sender.stop(asKafkaError(e));
        this.failed(e);
      })
      .finally(() => {
        this.bumping = null;
        this.host.sender.drain();
      });
  }

  private stamp(batch: ProducerBatch, newest: ProducerIdentity): ProducerBatch {
    const key = partitionKey(batch.topic, batch.partition);
    let s = this.stamps.get(key);
    if (s === undefined) {
      s = { identity: newest, generation: this.generation, next: 0, gap: false };
      this.stamps.set(key, s);
    }
    batch.restamp(s.identity.producerId, s.identity.producerEpoch, s.next);
    s.next = sequenceAfter(s.next, batch.count);
    return batch;
  }

  private ensure(): void {
    if (this.obtaining) return;
    this.obtaining = true;
    this.host.obtain().then(
      (identity) => this.adopt(identity),
      (e: unknown) => this.failed(e),
    );
  }

  /** Batches closed while the identity was unknown go out under it, in the order they closed. */
  private adopt(identity: ProducerIdentity): void {
    this.identity = identity;
    this.obtaining = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const b of waiting) this.host.dispatch(this.stamp(b, identity));
  }

  private failed(e: unknown): void {
    this.obtaining = false;
    const error = asKafkaError(e);
    const waiting = this.waiting;
    this.waiting = [];
    for (const b of waiting) b.complete(error, -1n, -1);
  }
}

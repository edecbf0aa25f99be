import { asKafkaError } from '../errors.js';
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
  /** The sender, held while an epoch is bumped. */
  readonly sender: {
    hold(): void;
    release(): void;
    whenEncoded(callback: () => void): void;
    queued(): ProducerBatch[];
    stop(error: Error): void;
  };
}

/**
 * The one owner of the producer identity, its epoch, the next sequence of every partition and
 * the batches that closed while no identity was known. Without idempotence it only passes
 * batches through.
 */
export class Sequencing {
  private identity: ProducerIdentity | null = null;
  private pending = false;
  private waiting: ProducerBatch[] = [];
  /** Next sequence per partition (`topic\0partition`) under the current identity. */
  private sequences = new Map<string, number>();

  constructor(
    private readonly idempotent: boolean,
    private readonly host: SequencingHost,
  ) {}

  /** A batch just closed: stamped with the identity and its partition's next sequence and dispatched, or kept until the identity is known. */
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
   * A batch failed for good and left a gap in its partition's sequences (KIP-360): the broker
   * would refuse every later batch of it as out of order. Bump the epoch and re-stamp what is
   * waiting, from sequence 0 per partition, then go on. Requests in flight are not waited for:
   * a batch in flight stays under its old epoch, and any of its partition's successors were
   * re-stamped behind it, so the broker sees the old epoch's batches end before the new epoch
   * begins (one batch in flight per partition). So one silent broker delays no other. Batches
   * closing meanwhile wait for the new identity, as before the first InitProducerId.
   */
  sequenceGap(failed: ProducerBatch): void {
    const current = this.identity;
    if (current === null) return; // a bump is already under way and will re-stamp this one's followers
    // a batch of an epoch already left behind: its successors are under the new one, no gap there
    if (failed.producerId !== current.producerId || failed.producerEpoch !== current.producerEpoch) return;
    this.identity = null;
    this.pending = true;
    const { sender } = this.host;
    sender.hold();
    sender.whenEncoded(() => {
      void this.host
        .bump(current)
        .then((identity) => {
          this.sequences = restampBatches(sender.queued(), identity);
          this.adopt(identity);
        })
        .catch((e: unknown) => {
          // Without a usable identity the queued batches could never be written in order.
          sender.stop(asKafkaError(e));
          this.failed(e);
        })
        .finally(() => sender.release());
    });
  }

  /** A new identity between transactions, nothing queued or in flight: sequences start over. */
  replace(identity: ProducerIdentity): void {
    this.identity = identity;
    this.sequences = new Map();
  }

  private stamp(batch: ProducerBatch, identity: ProducerIdentity): ProducerBatch {
    const key = `${batch.topic}\u0000${batch.partition}`;
    const seq = this.sequences.get(key) ?? 0;
    this.sequences.set(key, sequenceAfter(seq, batch.count));
    batch.restamp(identity.producerId, identity.producerEpoch, seq);
    return batch;
  }

  private ensure(): void {
    if (this.pending) return;
    this.pending = true;
    this.host.obtain().then(
      (identity) => this.adopt(identity),
      (e: unknown) => this.failed(e),
    );
  }

  /** Batches closed while the identity was unknown go out under it, in the order they closed. */
  private adopt(identity: ProducerIdentity): void {
    this.identity = identity;
    this.pending = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const b of waiting) this.host.dispatch(this.stamp(b, identity));
  }

  private failed(e: unknown): void {
    this.pending = false;
    const error = asKafkaError(e);
    const waiting = this.waiting;
    this.waiting = [];
    for (const b of waiting) b.complete(error, -1n, -1);
  }
}

/**
 * Moves unsent batches to `identity` with sequences from 0 per partition, in the order given
 * (send order), and returns the next sequence of every partition that has one.
 */
export function restampBatches(batches: readonly ProducerBatch[], identity: ProducerIdentity): Map<string, number> {
  const next = new Map<string, number>();
  for (const b of batches) {
    const key = `${b.topic}\u0000${b.partition}`;
    const seq = next.get(key) ?? 0;
    b.restamp(identity.producerId, identity.producerEpoch, seq);
    next.set(key, sequenceAfter(seq, b.count));
  }
  return next;
}

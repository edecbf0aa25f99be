import { ErrorCode } from '../../protocol/error-codes.js';
import type { RecordBatchInfo } from '../../protocol/records/index.js';

/** How many recent batches per producer a partition remembers for duplicate detection (Kafka: 5). */
export const REMEMBERED_BATCHES = 5;
const MAX_SEQUENCE = 0x7fffffff;
const NO_SEQUENCE = -1;
const NO_EPOCH = -1;

/** Sequence `delta` places after `sequence`; sequences wrap from int32 max to 0. */
export function addSequence(sequence: number, delta: number): number {
  const next = sequence + delta;
  return next > MAX_SEQUENCE ? next - MAX_SEQUENCE - 1 : next;
}

function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === MAX_SEQUENCE);
}

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
}

/** What one partition knows about one producer id. */
export class ProducerEntry {
  epoch = NO_EPOCH;
  /** Ring of the last batches appended in `epoch`, oldest overwritten first. */
  private readonly recent: Array<BatchMetadata | undefined> = new Array<BatchMetadata | undefined>(REMEMBERED_BATCHES);
  private next = 0;
  private count = 0;
  /** First offset of this producer's open transaction in the partition, -1n when none. */
  txnFirstOffset = -1n;

  get lastSeq(): number {
    if (this.count === 0) return NO_SEQUENCE;
    return (this.recent[(this.next + REMEMBERED_BATCHES - 1) % REMEMBERED_BATCHES] as BatchMetadata).lastSeq;
  }

  /** The remembered batch with exactly these sequences, if any. */
  duplicateOf(firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    for (let i = 0; i < this.count; i++) {
      const b = this.recent[i] as BatchMetadata;
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    }
    return undefined;
  }

  remember(firstSeq: number, lastSeq: number, baseOffset: bigint): void {
    this.recent[this.next] = { firstSeq, lastSeq, baseOffset };
    this.next = (this.next + 1) % REMEMBERED_BATCHES;
    if (this.count < REMEMBERED_BATCHES) this.count++;
  }

  /** A new epoch starts a new sequence space. */
  bumpTo(epoch: number): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.next = 0;
    this.count = 0;
    this.recent.fill(undefined);
  }
}

/** The outcome of checking one producer batch against a partition's producer state. */
export type ProducerCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: bigint }
  | { kind: 'error'; code: number; message: string };

const APPEND: ProducerCheck = { kind: 'append' };

/** What a previous batch of the same produce payload left behind, before it is appended. */
export interface PendingProducer {
  epoch: number;
  lastSeq: number;
}

/**
 * The producer-id state of one partition (Kafka's ProducerStateManager, reduced to what a
 * broker checks on append): epochs, the last sequences, and open transactions.
 */
export class ProducerStateTable {
  private readonly entries = new Map<bigint, ProducerEntry>();

  get(producerId: bigint): ProducerEntry | undefined {
    return this.entries.get(producerId);
  }

  entry(producerId: bigint): ProducerEntry {
    let e = this.entries.get(producerId);
    if (e === undefined) {
      e = new ProducerEntry();
      this.entries.set(producerId, e);
    }
    return e;
  }

  /**
   * Checks a batch with a producer id, in Kafka's order: duplicate of a remembered batch,
   * then epoch, then sequence. `pending` is the state an earlier batch of the same payload
   * would leave (absent for the usual single-batch payload).
   */
  check(info: RecordBatchInfo, pending?: PendingProducer): ProducerCheck {
    const entry = this.entries.get(info.producerId);
    const firstSeq = info.baseSequence;
    const epoch = pending?.epoch ?? entry?.epoch ?? NO_EPOCH;
    if (pending === undefined && entry !== undefined && entry.epoch === info.producerEpoch) {
      const dup = entry.duplicateOf(firstSeq, addSequence(firstSeq, info.lastOffsetDelta));
      if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    }
    if (info.producerEpoch < epoch) {
      return {
        kind: 'error',
        code: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${info.producerId} epoch ${info.producerEpoch} is older than ${epoch}`,
      };
    }
    if (info.producerEpoch !== epoch) {
      if (firstSeq === 0) return APPEND;
      return epoch === NO_EPOCH
        ? { kind: 'error', code: ErrorCode.UNKNOWN_PRODUCER_ID, message: `no state for producer ${info.producerId}` }
        : { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `new epoch ${info.producerEpoch} must start at sequence 0, not ${firstSeq}` };
    }
    const last = pending?.lastSeq ?? entry?.lastSeq ?? NO_SEQUENCE;
    if (inSequence(last, firstSeq)) return APPEND;
    return {
      kind: 'error',
      code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      message: `producer ${info.producerId} sequence ${firstSeq} does not follow ${last}`,
    };
  }

  /** Records an appended batch (after `check` said append). */
  appended(info: RecordBatchInfo, baseOffset: bigint): ProducerEntry {
    const entry = this.entry(info.producerId);
    entry.bumpTo(info.producerEpoch);
    entry.remember(info.baseSequence, addSequence(info.baseSequence, info.lastOffsetDelta), baseOffset);
    return entry;
  }
}

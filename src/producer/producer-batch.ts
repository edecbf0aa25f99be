import { restampRecordBatch, type EncodedRecords } from '../protocol/records/index.js';
import type { Receipts } from './receipts.js';

export type BatchState = 'encoding' | 'ready' | 'in-flight' | 'done';

/** A closed batch of one partition on its way to the broker, possibly several times. */
export class ProducerBatch {
  private current: BatchState = 'encoding';
  private bytesOnWire: Buffer | null = null;
  private sends = 0;
  private notBefore = 0;
  private again = false;
  /** Tells every record its outcome and frees the batch's memory (set by the producer). */
  reporter: ((batch: ProducerBatch, error: Error | null, baseOffset: bigint, logAppendTime: number) => void) | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The encoded records until the header is put on; null after (see `encoded`). */
    public records: EncodedRecords | null,
    readonly receipts: Receipts,
    /** Idempotent sequence of the first record, -1 without idempotence. */
    public baseSequence: number,
    public producerId: bigint,
    public producerEpoch: number,
    readonly transactional: boolean,
    /** The records' share of bufferMemory, given back when the batch is done. */
    readonly bytes: number,
  ) {}

  /** encoding (header not on yet, or being split) → ready → in-flight → ready (retry) … → done. */
  get state(): BatchState {
    return this.current;
  }

  /** The batch as it goes on the wire, once sealed. */
  get encoded(): Buffer | null {
    return this.bytesOnWire;
  }

  /** Sends so far; the first is attempt 1. */
  get attempts(): number {
    return this.sends;
  }

  /** Sent before and back to be sent again under the same stamp (it must go in sequence order). */
  get isResend(): boolean {
    return this.again;
  }

  /** Not to be sent again before this time (retry backoff). */
  get retryAt(): number {
    return this.notBefore;
  }

  /** Its bytes exist: ready to go, unless it ended meanwhile. */
  sealed(bytes: Buffer): void {
    this.bytesOnWire = bytes;
    if (this.current === 'encoding') this.current = 'ready';
  }

  /** Written in a request. */
  sent(): void {
    this.current = 'in-flight';
    this.sends++;
  }

  /** Back in line after a failed send, not before `at`. */
  retryFrom(at: number): void {
    this.current = 'ready';
    this.notBefore = at;
    this.again = true;
  }

  /** Refused as too large: held back (as while encoding) while its halves are made. */
  splitting(): void {
    this.current = 'encoding';
  }

  /** When the first record was accepted: the delivery deadline counts from here. */
  get createdAt(): number {
    return this.receipts.createdAt;
  }

  /** Records in the batch. */
  get count(): number {
    return this.receipts.count;
  }

  /**
   * Moves an encoded, unsent batch to a new producer identity and sequence (after an epoch
   * bump): its bytes are rewritten rather than re-encoded, since the records are gone by now.
   */
  restamp(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    if (this.bytesOnWire !== null) restampRecordBatch(this.bytesOnWire, producerId, producerEpoch, baseSequence);
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    // the old stamp's retries are over: the new one may go at once, as a first send
    this.notBefore = 0;
    this.again = false;
  }

  /** Reports the outcome to every record, once, through the producer's reporter. */
  complete(error: Error | null, baseOffset: bigint, logAppendTime: number): void {
    if (this.current === 'done') return;
    this.current = 'done';
    this.reporter?.(this, error, baseOffset, logAppendTime);
  }
}

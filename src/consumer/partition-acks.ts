import { ConsumerRecord, type HandedBatch } from './record.js';
import type { FetchedRecords } from './fetched-records.js';

/** A batch in its partition's tracker: fetched, then handed, then acked record by record. */
export class TrackedBatch implements HandedBatch {
  readonly records: ConsumerRecord[];
  /** One flag per record. */
  readonly acked: Uint8Array;
  /** Records not acked yet. */
  left: number;
  /** Every record before this index is acked (moves forward only). */
  cursor = 0;
  /** Records handed out so far: a batch is handed record by record while someone observes. */
  given = 0;
  readonly nextOffset: bigint;

  constructor(
    private readonly owner: PartitionAcks,
    readonly topic: string,
    readonly partition: number,
    fetched: FetchedRecords,
    readonly bytes: number,
    readonly highWatermark: bigint,
  ) {
    // the fetched list is this batch's own: its records are tied to it in place
    const list = fetched.records;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      // decoded as ConsumerRecords already (v2 batches); legacy message sets, which carry no
      // leader epoch, come as plain records
      const record = r instanceof ConsumerRecord ? r : new ConsumerRecord(topic, partition, r.offset, r.timestamp, r.key, r.value, r.headers, -1);
      record.link(this, i);
      list[i] = record;
    }
    this.nextOffset = fetched.nextOffset;
    this.records = list as ConsumerRecord[];
    this.acked = new Uint8Array(list.length);
    this.left = list.length;
  }

  ack(index: number): void {
    this.owner.ack(this, index);
  }
}

/**
 * One assigned partition's records between fetch and commit: the batches fetched and not yet
 * handed out, those handed out and not fully acked, and the offset a commit may move to. The
 * committed offset moves only over a contiguous run of acked records, so out-of-order acks never
 * commit past a gap. Once the partition is given up (`retire`), acks of its records are dropped.
 */
export class PartitionAcks {
  private readonly queued: TrackedBatch[] = [];
  private readonly handed: TrackedBatch[] = [];
  /** The offset a commit moves to: after the last record of the contiguous acked run. */
  private point: bigint | null = null;
  /**
   * The leader epoch of the last record of that run, committed with it (KIP-320: a member
   * resuming from the commit can tell a truncated log from its own position), or -1 where no
   * record tells it (a seek, or the position the partition started from).
   */
  private pointEpoch = -1;
  private committed: bigint | null = null;
  private retired = false;
  /** Bytes fetched and not yet fully acked. */
  bufferedBytes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Told of every change of bufferedBytes (its delta), and of acks that may move the commit point. */
    private readonly changed: (bytesDelta: number) => void,
  ) {}

  /** A fetched batch, waiting to be handed out. */
  add(batch: TrackedBatch): void {
    if (this.retired) return;
    this.queued.push(batch);
    this.bufferedBytes += batch.bytes;
    this.changed(batch.bytes);
  }

  /**
   * The batch to hand records of next: one partly handed out (its subscribers went away
   * mid-batch), else the next fetched one, from then on counted as handed.
   */
  nextToHand(): TrackedBatch | undefined {
    const last = this.handed[this.handed.length - 1];
    if (last !== undefined && last.given < last.records.length) return last;
    const batch = this.queued.shift();
    if (batch === undefined) return undefined;
    this.handed.push(batch);
    if (batch.left === 0) this.advance(); // nothing in it to ack (control or aborted records only)
    return batch;
  }

  /** Whether records wait to be handed out. */
  get hasQueued(): boolean {
    if (this.queued.length > 0) return true;
    const last = this.handed[this.handed.length - 1];
    return last !== undefined && last.given < last.records.length;
  }

  /** Whether every record handed out has been acked. */
  get allAcked(): boolean {
    if (this.handed.length === 0) return true;
    // the rest of a batch whose subscribers left mid-way was handed to nobody: nothing to wait for
    // (only the last batch can be partly handed; one before it not fully acked is still here)
    const only = this.handed[0];
    return this.handed.length === 1 && only.given < only.records.length && only.cursor >= only.given;
  }

  /** Acks record `index` of a batch handed out (a record's ack() comes here through its batch). */
  ack(b: TrackedBatch, index: number): void {
    if (this.retired || b.acked[index] === 1) return;
    b.acked[index] = 1;
    if (--b.left === 0 || b === this.handed[0]) this.advance();
  }

  /** Acks records [from, to) of a batch at once (auto ack, once handed to every subscriber). */
  ackRange(batch: TrackedBatch, from: number, to: number): void {
    if (this.retired || from >= to) return;
    let newly = 0;
    for (let i = from; i < to; i++) {
      if (batch.acked[i] === 0) {
        batch.acked[i] = 1;
        newly++;
      }
    }
    batch.left -= newly;
    this.advance();
  }

  /** The offset to commit, if it moved since the last commit. */
  get pending(): bigint | null {
    return this.point !== null && this.point !== this.committed ? this.point : null;
  }

  /** The leader epoch to commit with `pending`. */
  get pendingEpoch(): number {
    return this.pointEpoch;
  }

  /** A commit of `offset` went through. */
  committedAt(offset: bigint): void {
    this.committed = offset;
  }

  /** The position from which records were fetched first (committed or reset): nothing to commit before it. */
  startAt(offset: bigint): void {
    this.point ??= offset;
    this.committed ??= offset;
  }

  /**
   * The user moved the position (seek): what was fetched or handed from the old one is dropped
   * (later acks of it change nothing), and the next commit moves to `offset`.
   */
  reposition(offset: bigint): void {
    const bytes = this.dropAll();
    this.point = offset;
    this.pointEpoch = -1;
    this.release(bytes);
  }

  /** Fetched and not handed out: dropped (the partition is being revoked). */
  dropUnhanded(): void {
    let bytes = 0;
    for (const b of this.queued.splice(0)) bytes += b.bytes;
    if (bytes > 0) this.release(bytes);
  }

  /** The partition is given up: nothing more of it is handed out or committed. */
  retire(): void {
    if (this.retired) return;
    const bytes = this.dropAll();
    this.retired = true;
    this.release(bytes);
  }

  private dropAll(): number {
    let bytes = 0;
    for (const b of this.queued) bytes += b.bytes;
    for (const b of this.handed) bytes += b.bytes;
    this.queued.length = 0;
    this.handed.length = 0;
    return bytes;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  /** Moves the commit point over fully acked batches, and into a partly acked first one. */
  private advance(): void {
    let freed = 0;
    while (this.handed.length > 0 && this.handed[0].left === 0) {
      const done = this.handed.shift() as TrackedBatch;
      this.point = done.nextOffset;
      if (done.records.length > 0) this.pointEpoch = done.records[done.records.length - 1].leaderEpoch;
      freed += done.bytes;
    }
    const head = this.handed[0];
    if (head !== undefined) {
      let i = head.cursor;
      while (i < head.acked.length && head.acked[i] === 1) i++;
      if (i > head.cursor) {
        head.cursor = i;
        this.point = head.records[i].offset;
        this.pointEpoch = head.records[i - 1].leaderEpoch;
      }
    }
    if (freed > 0) this.release(freed);
    else this.changed(0);
  }

  private release(bytes: number): void {
    this.bufferedBytes -= bytes;
    this.changed(-bytes);
  }
}

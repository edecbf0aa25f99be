import type { SchedulerLike, Subscription } from 'rxjs';
import { KafkaError } from '../errors.js';
import { BufferExhaustedError } from './errors.js';
import type { MemoryPool } from './memory.js';
import { PendingRecord, type ProducerRecord, type RecordSink } from './record.js';
import type { Indexed } from './segmented.js';

/** The objects holding a record waiting for buffer room (PendingRecord, its Buffers, the queue slot), estimated. */
const WAITING_OVERHEAD = 256;
const waitingCost = (r: PendingRecord): number => r.size + WAITING_OVERHEAD;
/**
 * Records of a run turned into bytes and placed at a time. Placed all at once, a run as large
 * as the buffer (a quarter of a million records on defaults) would keep every one of its
 * PendingRecords alive through the young generation's collections, promoting them all.
 */
const SLICE_RECORDS = 1024;

export interface IntakeOptions {
  bufferMemory: number;
  maxBlockMs: number;
  maxWaitingBytes: number;
}

/**
 * The records of one send([...]) call, or of one synchronous burst of next() calls, handed over
 * at once. They are turned into bytes only as buffer room takes them: a run waiting for room
 * holds the caller's records as they were given, nothing more.
 */
export interface RecordRun {
  readonly records: Indexed<ProducerRecord>;
  readonly sink: RecordSink;
  /** The sink's index of the first record. */
  readonly indexBase: number;
  readonly epoch: number;
  readonly acceptedAt: number;
  /** The caller batched these itself (send([...])): their batches need not linger for more. */
  readonly batched: boolean;
  /** The next record not yet in bytes. */
  next: number;
  /** A record in bytes, waiting for its room. */
  head: PendingRecord | null;
}

/** What the intake needs of the producer. */
export interface IntakeHost {
  /** Records that took their bytes, in order: on to their partitions (a slice of a run, in one pass). */
  admitted(rs: readonly PendingRecord[]): void;
  /**
   * Runs `place`, which admits slices of `run`, as one placement (batches closing in it go
   * together); `arriving`: the run is being handed over now, not taken from the queue of those
   * that waited for room.
   */
  together<T>(run: RecordRun, place: () => T, arriving: boolean): T;
  /** A record that waited in vain (maxBlockMs passed) or found the queue full. */
  refused(r: PendingRecord, error: Error): void;
  /** Record `i` of a run in bytes, or null after it was refused (invalid, too large). */
  convert(run: RecordRun, i: number): PendingRecord | null;
  /** The records of a run from `from` on, refused before they were in bytes. */
  refusedFrom(run: RecordRun, from: number, error: Error): void;
  /** Called after records waited and got their room (a flush() may be waiting on them). */
  afterWait(): void;
}

/**
 * Admission against bufferMemory: records take their bytes from the pool at once when nobody
 * waits, else queue in arrival order, each for at most maxBlockMs from its send(). Single
 * records queue within maxWaitingBytes; a run (one call's records) that finds nobody waiting
 * is taken whole, its records in bytes only as room frees. Owns the queue and the one
 * reservation under way.
 */
export class Intake {
  private readonly queue: Array<PendingRecord | RecordRun> = [];
  private head = 0;
  private blocked: Subscription | null = null;
  /** pump() is running: a nested call leaves the work to it. */
  private pumping = false;
  /** What the waiting single records hold, by waitingCost. */
  private waitingBytes = 0;

  constructor(
    private readonly memory: MemoryPool,
    private readonly options: IntakeOptions,
    private readonly scheduler: SchedulerLike,
    private readonly host: IntakeHost,
  ) {}

  /** Nobody waits: records may take their room directly. */
  get idle(): boolean {
    return this.blocked === null && this.head === this.queue.length;
  }

  /** Takes `r` in: admitted now if its room is free and nobody waits, else queued within maxWaitingBytes. */
  add(r: PendingRecord): void {
    if (this.idle && this.memory.tryTake(r.size)) {
      this.host.admitted([r]);
      return;
    }
    const cost = waitingCost(r);
    if (this.waitingBytes + cost > this.options.maxWaitingBytes) {
      const { bufferMemory, maxBlockMs, maxWaitingBytes } = this.options;
      const detail = `producer buffer (${bufferMemory} bytes) full and ${this.waitingBytes} bytes of records already waiting for it (maxWaitingBytes ${maxWaitingBytes})`;
      this.host.refused(r, new BufferExhaustedError(bufferMemory, maxBlockMs, detail));
      return;
    }
    this.waitingBytes += cost;
    this.queue.push(r);
    this.pump();
  }

  /**
   * Takes a run in. Finding nobody waiting, the records that fit the free room go at once, and
   * the rest waits whole (the caller handed them over at once and holds them anyway). Behind
   * others, each record queues as a single one, within maxWaitingBytes.
   */
  addRun(run: RecordRun): void {
    if (!this.idle) {
      for (let i = run.next; i < run.records.length; i++) {
        const r = this.host.convert(run, i);
        if (r !== null) this.add(r);
      }
      return;
    }
    if (this.host.together(run, () => this.takeFrom(run), true)) return;
    this.queue.push(run);
    this.pump();
  }

  /** Lets go of the reservation under way (the producer is closed). */
  close(): void {
    this.blocked?.unsubscribe();
  }

  /**
   * Admits the run's records that fit the free room, in bytes, slice by slice (one take and one
   * placement each); true when none is left. The first record may be larger than the free room
   * when nothing is held (the pool lets one record exceed it then).
   */
  private takeFrom(run: RecordRun): boolean {
    for (;;) {
      const slice: PendingRecord[] = [];
      let bytes = 0;
      const free = this.memory.freeBytes;
      const empty = this.memory.usedBytes === 0;
      while (slice.length < SLICE_RECORDS && (run.head !== null || run.next < run.records.length)) {
        const r = run.head ?? this.host.convert(run, run.next++);
        run.head = null;
        if (r === null) continue;
        if (bytes + r.size > free && !(slice.length === 0 && empty)) {
          run.head = r;
          break;
        }
        slice.push(r);
        bytes += r.size;
      }
      if (slice.length > 0) {
        // within the free room, and the pool's only takers are this intake's: the take succeeds
        if (!this.memory.tryTake(bytes)) throw new KafkaError('internal: buffer room taken while the intake held it');
        this.host.admitted(slice);
      }
      if (run.head === null && run.next >= run.records.length) return true;
      if (run.head !== null || slice.length === 0) return false;
    }
  }

  /**
   * Admits waiting records in order as buffer room frees. A loop, not a recursion: a grant or
   * an expiry arriving while it runs (synchronously, from inside it) only lets it go on.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.blocked === null && this.head < this.queue.length) {
        const entry = this.queue[this.head];
        if (entry instanceof PendingRecord) {
          if (!this.memory.tryTake(entry.size)) {
            this.wait(entry, null);
            continue;
          }
          this.leave(entry);
          this.host.admitted([entry]);
        } else if (this.host.together(entry, () => this.takeFrom(entry), false)) {
          this.head++;
        } else {
          // what fitted went; its next record waits for room
          this.wait(entry.head as PendingRecord, entry);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Reserves room for `r` (a single record, or the head of `run`), for what is left of its maxBlockMs. */
  private wait(r: PendingRecord, run: RecordRun | null): void {
    let settled = false;
    const sub = this.memory.reserve(r.size, r.acceptedAt + this.options.maxBlockMs - this.scheduler.now()).subscribe({
      next: () => {
        settled = true;
        this.blocked = null;
        if (run === null) this.leave(r);
        else run.head = null;
        this.host.admitted([r]);
        this.pump();
        this.host.afterWait();
      },
      error: (e: unknown) => {
        settled = true;
        this.blocked = null;
        if (run === null) {
          this.leave(r);
          this.host.refused(r, e as Error);
        } else {
          // the rest of the run was accepted with it: its time is up too
          run.head = null;
          this.host.refused(r, e as Error);
          this.host.refusedFrom(run, run.next, e as Error);
          run.next = run.records.length;
          this.head++;
        }
        this.pump();
      },
    });
    if (!settled) this.blocked = sub;
  }

  private leave(r: PendingRecord): void {
    this.head++;
    this.waitingBytes -= waitingCost(r);
  }
}

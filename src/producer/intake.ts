import type { SchedulerLike, Subscription } from 'rxjs';
import { BufferExhaustedError } from './errors.js';
import type { MemoryPool } from './memory.js';
import type { PendingRecord } from './record.js';

/** The objects holding a record waiting for buffer room (PendingRecord, its Buffers, the queue slot), estimated. */
const WAITING_OVERHEAD = 256;
const waitingCost = (r: PendingRecord): number => r.size + WAITING_OVERHEAD;

export interface IntakeOptions {
  bufferMemory: number;
  maxBlockMs: number;
  maxWaitingBytes: number;
}

/**
 * Admission against bufferMemory: a record takes its bytes from the pool at once when nobody
 * waits, else queues in arrival order, each for at most maxBlockMs from its send(), the queue
 * itself bounded by maxWaitingBytes. Owns the queue and the one reservation under way.
 */
export class Intake {
  private readonly queue: PendingRecord[] = [];
  private head = 0;
  private blocked: Subscription | null = null;
  /** pump() is running: a nested call leaves the work to it. */
  private pumping = false;
  /** What the waiting records hold, by waitingCost. */
  private waitingBytes = 0;

  constructor(
    private readonly memory: MemoryPool,
    private readonly options: IntakeOptions,
    private readonly scheduler: SchedulerLike,
    /** A record that took its bytes: on to its partition. */
    private readonly admitted: (r: PendingRecord) => void,
    /** A record that waited in vain (maxBlockMs passed) or found the queue full. */
    private readonly refused: (r: PendingRecord, error: Error) => void,
    /** Called after a record waited and got its room (a flush() may be waiting on it). */
    private readonly afterWait: () => void,
  ) {}

  /** Nobody waits: a record may take its room directly. */
  get idle(): boolean {
    return this.blocked === null && this.head === this.queue.length;
  }

  /** Takes `r` in: admitted now if its room is free and nobody waits, else queued (within the bound unless `unbounded`). */
  add(r: PendingRecord, unbounded = false): void {
    if (this.idle && this.memory.tryTake(r.size)) {
      this.admitted(r);
      return;
    }
    const cost = waitingCost(r);
    if (!unbounded && this.waitingBytes + cost > this.options.maxWaitingBytes) {
      const { bufferMemory, maxBlockMs, maxWaitingBytes } = this.options;
      const detail = `producer buffer (${bufferMemory} bytes) full and ${this.waitingBytes} bytes of records already waiting for it (maxWaitingBytes ${maxWaitingBytes})`;
      this.refused(r, new BufferExhaustedError(bufferMemory, maxBlockMs, detail));
      return;
    }
    this.waitingBytes += cost;
    this.queue.push(r);
    this.pump();
  }

  /** Lets go of the reservation under way (the producer is closed). */
  close(): void {
    this.blocked?.unsubscribe();
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
        const r = this.queue[this.head];
        if (this.memory.tryTake(r.size)) {
          this.leave(r);
          this.admitted(r);
          continue;
        }
        let settled = false;
        const sub = this.memory.reserve(r.size, r.acceptedAt + this.options.maxBlockMs - this.scheduler.now()).subscribe({
          next: () => {
            settled = true;
            this.blocked = null;
            this.leave(r);
            this.admitted(r);
            this.pump();
            this.afterWait();
          },
          error: (e: unknown) => {
            settled = true;
            this.blocked = null;
            this.leave(r);
            this.refused(r, e as Error);
            this.pump();
          },
        });
        if (!settled) this.blocked = sub;
      }
    } finally {
      this.pumping = false;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private leave(r: PendingRecord): void {
    this.head++;
    this.waitingBytes -= waitingCost(r);
  }
}

import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { BufferExhaustedError } from './errors.js';

interface Waiter {
  size: number;
  grant: () => void;
  timer: Subscription | null;
}

/**
 * bufferMemory as a budget: a record takes its size when accepted and gives it back when its
 * outcome is known. When the budget is spent, takers wait in arrival order, each for at most
 * maxBlockMs on the scheduler. One record larger than the whole budget may still go alone,
 * when nothing else is held, so the bound is bufferMemory plus one record.
 */
export class MemoryPool {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxBlockMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly changed: () => void,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Room left in the budget, for takes that must stay within it. */
  get freeBytes(): number {
    return Math.max(0, this.capacity - this.used);
  }

  private fits(size: number): boolean {
    return this.used === 0 || this.used + size <= this.capacity;
  }

  /** Takes `size` bytes at once if free and nobody waits; else null (call reserve). */
  tryTake(size: number): boolean {
    if (this.waiters.length > 0 || !this.fits(size)) return false;
    this.used += size;
    this.changed();
    return true;
  }

  /**
   * Emits once the bytes are taken; errors with BufferExhaustedError after `waitMs` (default
   * maxBlockMs; callers pass what is left of a record's own maxBlockMs).
   */
  reserve(size: number, waitMs: number = this.maxBlockMs): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.tryTake(size)) {
        subscriber.next();
        subscriber.complete();
        return undefined;
      }
      if (waitMs <= 0) {
        subscriber.error(new BufferExhaustedError(this.capacity, this.maxBlockMs));
        return undefined;
      }
      const waiter: Waiter = {
        size,
        timer: null,
        grant: () => {
          subscriber.next();
          subscriber.complete();
        },
      };
      waiter.timer = this.scheduler.schedule(() => {
        this.remove(waiter);
        subscriber.error(new BufferExhaustedError(this.capacity, this.maxBlockMs));
      }, waitMs);
      this.waiters.push(waiter);
      return () => this.remove(waiter);
    });
  }

  release(size: number): void {
    this.used -= size;
    while (this.waiters.length > 0 && this.fits(this.waiters[0].size)) {
      const w = this.waiters.shift() as Waiter;
      w.timer?.unsubscribe();
      this.used += w.size;
      w.grant();
    }
    this.changed();
  }

  private remove(waiter: Waiter): void {
    waiter.timer?.unsubscribe();
    const at = this.waiters.indexOf(waiter);
    if (at >= 0) this.waiters.splice(at, 1);
  }
}

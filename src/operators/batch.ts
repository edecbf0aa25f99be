import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { defaultScheduler } from '../clock.js';
import { KafkaConfigError } from '../errors.js';

export interface BatchOptions<T> {
  /** Emit as soon as the batch holds this many items. */
  maxCount?: number;
  /**
   * Emit before an item would take the batch above this many bytes (as measured by sizeOf),
   * and as soon as the batch is full. An item larger than maxBytes goes out alone.
   */
  maxBytes?: number;
  /** Size of one item in bytes; required with maxBytes. */
  sizeOf?: (item: T) => number;
  /**
   * Emit this long after the first item of the current batch arrived. 0 still waits for the
   * scheduler's next turn, so items arriving in the same synchronous burst share a batch.
   */
  lingerMs?: number;
  /** Each emission forces the held batch out (a producer's flush()). */
  flush$?: Observable<unknown>;
  scheduler?: SchedulerLike;
}

function validate<T>(options: BatchOptions<T>): void {
  const { maxCount, maxBytes, sizeOf, lingerMs } = options;
  if (maxCount !== undefined && !(Number.isInteger(maxCount) && maxCount >= 1)) {
    throw new KafkaConfigError('maxCount', 'must be an integer >= 1');
  }
  if (maxBytes !== undefined && !(maxBytes > 0 && Number.isFinite(maxBytes))) {
    throw new KafkaConfigError('maxBytes', 'must be a finite number > 0');
  }
  if (maxBytes !== undefined && sizeOf === undefined) {
    throw new KafkaConfigError('sizeOf', 'is required when maxBytes is set');
  }
  if (lingerMs !== undefined && !(lingerMs >= 0 && Number.isFinite(lingerMs))) {
    throw new KafkaConfigError('lingerMs', 'must be a finite number >= 0');
  }
}

/**
 * Groups items into arrays by count, bytes and linger time, whichever limit is hit first.
 * Never emits an empty batch.
 *
 * Termination: whatever is held is emitted first, then the completion or the error is
 * forwarded. A producer wants this on error too: the held records were accepted and must be
 * reported (sent or failed), not silently dropped. The same holds when flush$ errors or sizeOf
 * throws. Unsubscribing drops the held items and cancels the linger timer.
 *
 * Invalid options throw KafkaConfigError when the operator is created.
 */
export function batch<T>(options: BatchOptions<T> = {}): OperatorFunction<T, T[]> {
  validate(options);
  const { maxCount, maxBytes, sizeOf, lingerMs, flush$ } = options;
  const scheduler = options.scheduler ?? defaultScheduler;

  return (source) =>
    new Observable<T[]>((subscriber) => {
      let held: T[] = [];
      let heldBytes = 0;
      let linger: Subscription | undefined;

      const emit = (): void => {
        linger?.unsubscribe();
        linger = undefined;
        if (held.length === 0) return;
        const out = held;
        held = [];
        heldBytes = 0;
        subscriber.next(out);
      };
      const fail = (error: unknown): void => {
        emit();
        subscriber.error(error);
      };

      const add = (item: T): void => {
        let size = 0;
        if (maxBytes !== undefined && sizeOf !== undefined) {
          size = sizeOf(item);
          if (held.length > 0 && heldBytes + size > maxBytes) emit();
        }
        held.push(item);
        heldBytes += size;
        if (held.length === 1 && lingerMs !== undefined) {
          linger = scheduler.schedule(() => {
            linger = undefined;
            emit();
          }, lingerMs);
        }
        if (
          (maxCount !== undefined && held.length >= maxCount) ||
          (maxBytes !== undefined && heldBytes >= maxBytes)
        ) {
          emit();
        }
      };

      const flushSubscription = flush$?.subscribe({ next: emit, error: fail });
      const sourceSubscription = source.subscribe({
        next: (item) => {
          try {
            add(item);
          } catch (error: unknown) {
            // sizeOf threw: the stream cannot go on measuring, so end it visibly.
            fail(error);
          }
        },
        error: fail,
        complete: () => {
          emit();
          subscriber.complete();
        },
      });

      return () => {
        sourceSubscription.unsubscribe();
        flushSubscription?.unsubscribe();
        linger?.unsubscribe();
        linger = undefined;
        held = [];
      };
    });
}

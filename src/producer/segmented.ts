const SHIFT = 12;
const SIZE = 1 << SHIFT;
const MASK = SIZE - 1;

/** Items by position: an array, or a Segmented. */
export interface Indexed<T> {
  readonly length: number;
  get(position: number): T | undefined;
}

/** An array seen as Indexed. */
export const indexed = <T>(items: readonly T[]): Indexed<T> => ({ length: items.length, get: (i) => items[i] });

/**
 * An append-only sequence addressed by absolute position, held in segments of 4,096: appending
 * stays cheap however long it grows (one array of a million would be copied as it grows, and
 * lives where every young object stored in it costs the collector), and the front is let go a
 * segment at a time as it is consumed.
 */
export class Segmented<T> implements Indexed<T> {
  private readonly segments: Array<Array<T | undefined>> = [];
  /** Absolute position of the first kept segment's first slot. */
  private first = 0;
  /** Items appended so far (the next position). */
  length = 0;

  push(value: T | undefined): void {
    const at = this.length++ - this.first;
    const s = at >>> SHIFT;
    if (s === this.segments.length) this.segments.push([]);
    this.segments[s].push(value);
  }

  /** The item at `position`, undefined once let go or cleared. */
  get(position: number): T | undefined {
    const at = position - this.first;
    return at < 0 ? undefined : this.segments[at >>> SHIFT]?.[at & MASK];
  }

  set(position: number, value: T | undefined): void {
    const at = position - this.first;
    if (at >= 0 && position < this.length) this.segments[at >>> SHIFT][at & MASK] = value;
  }

  /** Lets go of the segments wholly before `position`. */
  dropBefore(position: number): void {
    while (position - this.first >= SIZE && this.segments.length > 0) {
      this.segments.shift();
      this.first += SIZE;
    }
  }
}

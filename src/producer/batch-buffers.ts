import type { BufferSource } from '../protocol/records/index.js';

const MIN_CLASS = 4096;

/** The power of two at or above `size`, at least MIN_CLASS: buffers are kept by these sizes. */
function sizeClass(size: number): number {
  let c = MIN_CLASS;
  while (c < size) c *= 2;
  return c;
}

/**
 * The producer's batch buffers, reused. A batch buffer is large (up to batchBytes) and short
 * lived: made fresh for every batch, each of its pages is faulted in by the kernel as the first
 * records are written, and given back when the garbage collector frees it, which on a VM costs
 * about as much as encoding the records into it. Kept here instead, within `maxBytes` in all.
 *
 * A buffer comes back only once nothing can read it any more: one the writer outgrew or copied
 * out of, the uncompressed records once compressed, or the batch itself once a broker's answer
 * to its only send acknowledged it (so its bytes were written, and no resend or abandoned
 * request can still read them). Buffers this pool did not lend are ignored, so a view of a
 * shared slab or a codec's output can never enter it. Memory is kept by power-of-two sizes, so
 * a batch copied out to its own size (RecordsWriter) takes less than twice its bytes and still
 * finds memory to reuse.
 */
export class BatchBuffers implements BufferSource {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Lent and not back yet: only these may come back, and only once. */
  private readonly lent = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A view of `size` bytes over memory of the next power of two (at least 4 KiB), reused where one is free. */
  take(size: number): Buffer {
    const capacity = sizeClass(size);
    const reused = this.free.get(capacity)?.pop();
    let memory: ArrayBuffer;
    if (reused === undefined) {
      // its own memory, never a slice of node's shared pool, so the whole of it can come back
      memory = Buffer.allocUnsafeSlow(capacity).buffer;
    } else {
      this.freeBytes -= capacity;
      memory = reused;
    }
    this.lent.add(memory);
    return Buffer.from(memory, 0, size);
  }

  give(view: Uint8Array): void {
    // only memory this pool lent is in `lent` (never a SharedArrayBuffer)
    const memory = view.buffer as ArrayBuffer;
    if (!this.lent.delete(memory)) return;
    const size = memory.byteLength;
    if (this.freeBytes + size > this.maxBytes) return;
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(memory);
    this.freeBytes += size;
  }

  /** Bytes held for reuse. */
  get pooledBytes(): number {
    return this.freeBytes;
  }
}

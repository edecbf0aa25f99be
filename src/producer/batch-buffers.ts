import type { BufferSource } from '../protocol/records/index.js';

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
 * shared slab or a codec's output can never enter it.
 */
export class BatchBuffers implements BufferSource {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Lent and not back yet: only these may come back, and only once. */
  private readonly lent = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;

  constructor(private readonly maxBytes: number) {}

  take(size: number): Buffer {
    const reused = this.free.get(size)?.pop();
    let buffer: Buffer;
    if (reused === undefined) {
      // its own memory, never a slice of node's shared pool, so the whole of it can come back
      buffer = Buffer.allocUnsafeSlow(size);
    } else {
      this.freeBytes -= size;
      buffer = Buffer.from(reused, 0, size);
    }
    this.lent.add(buffer.buffer as ArrayBuffer);
    return buffer;
  }

  give(view: Uint8Array): void {
    const memory = view.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.lent.delete(memory)) return;
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

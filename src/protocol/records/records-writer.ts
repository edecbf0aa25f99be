import { KafkaError } from '../../errors.js';
import { codecByName, compressWith } from '../compression/index.js';
import { BATCH_HEADER_SIZE } from './attributes.js';
import { attributesOf, writeBatchHeader, type RecordsSummary } from './batch-header.js';
import { byteLength, headersSize, writeBytes, writeHeaders, type Bytes } from './record-fields.js';
import type { EncodeOptions, RecordInput } from './types.js';
import { uvarintSize, varintSize, writeUVarint, writeVarint, zigzag64 } from './varint.js';

/** The records section of a batch, encoded, behind room for its header. */
export interface EncodedRecords extends RecordsSummary {
  /** The whole batch: BATCH_HEADER_SIZE bytes of room, then the records. */
  readonly buffer: Buffer;
}

const MIN_CAPACITY = 4096;

/** Where a writer gets its buffers, and gives back those it is done with. */
export interface BufferSource {
  /** A buffer of exactly `size` bytes, contents undefined. */
  take(size: number): Buffer;
  /** A buffer (or a view of one) this source gave, that nothing reads or writes any more. */
  give(buffer: Uint8Array): void;
}

const ALLOCATE: BufferSource = { take: (size) => Buffer.allocUnsafe(size), give: () => undefined };

/**
 * A RecordBatch v2 built one record at a time, as a producer takes records in: each is
 * encoded on arrival, so nothing of it has to be kept until the batch closes (a record kept
 * alive for a while is copied by every young-generation GC it lives through). `finish()` hands
 * the records over; {@link sealRecordBatch} puts the header on, compressing first if asked.
 *
 * The buffer grows by doubling. Its size is learned from the batches before, so a steady
 * stream takes one buffer per batch and copies nothing; a batch that fills less than half
 * of its buffer is copied out to its exact size, so no batch holds more than twice its bytes.
 * Buffers come from a {@link BufferSource} (fresh ones unless told otherwise), and the ones it
 * outgrows or copies out of go back to it.
 */
export class RecordsWriter {
  private buf: Buffer | null = null;
  private pos = BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private capacity: number;

  constructor(
    initialCapacity = MIN_CAPACITY,
    private readonly source: BufferSource = ALLOCATE,
  ) {
    this.capacity = Math.max(MIN_CAPACITY, initialCapacity);
  }

  /** Records appended since the last finish(). */
  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far, header included, uncompressed. */
  get sizeInBytes(): number {
    return this.pos;
  }

  /** Encodes one record at the end of the batch; returns the bytes it took. */
  append(key: Bytes, value: Bytes, headers: RecordInput['headers'], timestamp: number): number {
    if (this.count === 0) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
    }
    const k = byteLength(key);
    const v = byteLength(value);
    const delta = zigzag64(timestamp - this.baseTimestamp);
    const offsetDelta = this.count;
    const body =
      1 +
      uvarintSize(delta) +
      varintSize(offsetDelta) +
      varintSize(k) +
      (k > 0 ? k : 0) +
      varintSize(v) +
      (v > 0 ? v : 0) +
      headersSize(headers);
    const total = varintSize(body) + body;
    const buf = this.room(total);
    let pos = writeVarint(buf, this.pos, body);
    buf[pos++] = 0; // record attributes: none defined
    pos = writeUVarint(buf, pos, delta);
    pos = writeVarint(buf, pos, offsetDelta);
    pos = writeBytes(buf, pos, key, k);
    pos = writeBytes(buf, pos, value, v);
    this.pos = writeHeaders(buf, pos, headers);
    this.count++;
    return total;
  }

  /** The records appended so far, and a fresh start; null when there are none. */
  finish(): EncodedRecords | null {
    const buf = this.buf;
    if (buf === null || this.count === 0) return null;
    const used = this.pos;
    let buffer: Buffer;
    if (used * 2 > buf.length) {
      buffer = buf.subarray(0, used);
      this.capacity = buf.length;
    } else {
      buffer = this.source.take(used);
      buf.copy(buffer, 0, 0, used);
      this.source.give(buf);
      this.capacity = Math.max(MIN_CAPACITY, buf.length >>> 1);
    }
    const out: EncodedRecords = {
      buffer,
      count: this.count,
      lastOffsetDelta: this.count - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
    };
    this.buf = null;
    this.pos = BATCH_HEADER_SIZE;
    this.count = 0;
    return out;
  }

  private room(bytes: number): Buffer {
    const need = this.pos + bytes;
    const buf = this.buf;
    if (buf !== null && need <= buf.length) return buf;
    let size = buf === null ? this.capacity : buf.length * 2;
    while (size < need) size *= 2;
    const next = this.source.take(size);
    if (buf !== null) {
      buf.copy(next, 0, 0, this.pos);
      this.source.give(buf);
    }
    this.buf = next;
    return next;
  }
}

/** Puts the header on uncompressed records, in place. */
export function sealRecordBatchSync(records: EncodedRecords, options: EncodeOptions = {}): Buffer {
  if (options.compression !== undefined && options.compression !== 'none') {
    throw new KafkaError(`sealRecordBatchSync cannot compress (${options.compression}); use sealRecordBatch`);
  }
  return writeBatchHeader(records.buffer, attributesOf(0, options), records, options);
}

/**
 * Compresses the records section with `options.compression` (if any) and puts the header on;
 * a compressed batch goes in a buffer from `source`.
 */
export async function sealRecordBatch(records: EncodedRecords, options: EncodeOptions = {}, source: BufferSource = ALLOCATE): Promise<Buffer> {
  const name = options.compression ?? 'none';
  if (name === 'none') return sealRecordBatchSync(records, options);
  const codec = codecByName(name);
  const packed = await compressWith(codec, records.buffer.subarray(BATCH_HEADER_SIZE));
  const buf = source.take(BATCH_HEADER_SIZE + packed.length);
  packed.copy(buf, BATCH_HEADER_SIZE);
  return writeBatchHeader(buf, attributesOf(codec.id, options), records, options);
}

import { KafkaConfigError, KafkaError } from '../../errors.js';
import { codecByName, compressWith } from '../compression/index.js';
import { BATCH_HEADER_SIZE } from './attributes.js';
import { attributesOf, writeBatchHeader, type RecordsSummary } from './batch-header.js';
import { byteLength, headersSize, writeBytes, writeHeaders } from './record-fields.js';
import type { EncodeOptions, RecordBatchInput, RecordInput } from './types.js';
import { uvarintSize, varintSize, writeUVarint, writeVarint, zigzag64 } from './varint.js';

/** Everything the header needs, worked out from the records in one pass. */
interface Layout {
  recordsSize: number;
  sizes: Int32Array;
  keyLens: Int32Array;
  valueLens: Int32Array;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  now: number;
}

function layout(batch: RecordBatchInput, options: EncodeOptions): Layout {
  const records = batch.records;
  const n = records.length;
  const sizes = new Int32Array(n);
  const keyLens = new Int32Array(n);
  const valueLens = new Int32Array(n);
  // the codec reads no clock: a caller with records to stamp says what time it is
  const now = options.now ?? unstamped(batch);
  const baseTimestamp = batch.baseTimestamp ?? (n > 0 ? (records[0].timestamp ?? now) : now);
  let maxTimestamp = n > 0 ? -Infinity : baseTimestamp;
  let maxDelta = 0;
  let recordsSize = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const offsetDelta = r.offsetDelta ?? i;
    if (offsetDelta > maxDelta) maxDelta = offsetDelta;
    const k = byteLength(r.key);
    const v = byteLength(r.value);
    keyLens[i] = k;
    valueLens[i] = v;
    const body =
      1 +
      uvarintSize(zigzag64(ts - baseTimestamp)) +
      varintSize(offsetDelta) +
      varintSize(k) +
      (k > 0 ? k : 0) +
      varintSize(v) +
      (v > 0 ? v : 0) +
      headersSize(r.headers);
    sizes[i] = body;
    recordsSize += varintSize(body) + body;
  }
  return {
    recordsSize,
    sizes,
    keyLens,
    valueLens,
    baseTimestamp,
    maxTimestamp,
    lastOffsetDelta: batch.lastOffsetDelta ?? maxDelta,
    now,
  };
}

/** Without `now`: a batch that needs none (every record stamped, or an empty one with its baseTimestamp), else an error. */
function unstamped(batch: RecordBatchInput): number {
  const stamped = batch.records.length > 0 ? batch.records.every((r) => r.timestamp !== undefined) : batch.baseTimestamp !== undefined;
  if (stamped) return 0; // never read
  throw new KafkaConfigError('now', 'is required to encode records without a timestamp');
}

function writeRecords(buf: Buffer, pos: number, batch: RecordBatchInput, l: Layout): number {
  const records = batch.records;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    pos = writeVarint(buf, pos, l.sizes[i]);
    buf[pos++] = 0; // record attributes: none defined
    pos = writeUVarint(buf, pos, zigzag64((r.timestamp ?? l.now) - l.baseTimestamp));
    pos = writeVarint(buf, pos, r.offsetDelta ?? i);
    pos = writeBytes(buf, pos, r.key, l.keyLens[i]);
    pos = writeBytes(buf, pos, r.value, l.valueLens[i]);
    pos = writeHeaders(buf, pos, r.headers);
  }
  return pos;
}

function summary(b: RecordBatchInput, l: Layout): RecordsSummary {
  return { count: b.records.length, lastOffsetDelta: l.lastOffsetDelta, baseTimestamp: l.baseTimestamp, maxTimestamp: l.maxTimestamp };
}

function normalise(batch: RecordBatchInput | readonly RecordInput[]): RecordBatchInput {
  return Array.isArray(batch) ? { records: batch as readonly RecordInput[] } : (batch as RecordBatchInput);
}

/**
 * Encodes an uncompressed RecordBatch v2 into one exactly sized buffer: the producer's hot
 * path. Compressed batches need {@link encodeRecordBatch}.
 */
export function encodeRecordBatchSync(batch: RecordBatchInput | readonly RecordInput[], options: EncodeOptions = {}): Buffer {
  if (options.compression !== undefined && options.compression !== 'none') {
    throw new KafkaError(`encodeRecordBatchSync cannot compress (${options.compression}); use encodeRecordBatch`);
  }
  const b = normalise(batch);
  const l = layout(b, options);
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + l.recordsSize);
  writeRecords(buf, BATCH_HEADER_SIZE, b, l);
  return writeBatchHeader(buf, attributesOf(0, options), summary(b, l), options);
}

/** Encodes a RecordBatch v2, compressing the records section with `options.compression`. */
export async function encodeRecordBatch(
  batch: RecordBatchInput | readonly RecordInput[],
  options: EncodeOptions = {},
): Promise<Buffer> {
  const name = options.compression ?? 'none';
  if (name === 'none') return encodeRecordBatchSync(batch, options);
  const codec = codecByName(name);
  const b = normalise(batch);
  const l = layout(b, options);
  const plain = Buffer.allocUnsafe(l.recordsSize);
  writeRecords(plain, 0, b, l);
  const packed = await compressWith(codec, plain);
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
  packed.copy(buf, BATCH_HEADER_SIZE);
  return writeBatchHeader(buf, attributesOf(codec.id, options), summary(b, l), options);
}

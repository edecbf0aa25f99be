import { now as clockNow } from '../../clock.js';
import { KafkaError } from '../../errors.js';
import { codecByName } from '../compression/index.js';
import {
  ATTRIBUTES_AT,
  BASE_OFFSET_AT,
  BASE_SEQUENCE_AT,
  BASE_TIMESTAMP_AT,
  BATCH_HEADER_SIZE,
  CONTROL_BIT,
  CRC_AT,
  LAST_OFFSET_DELTA_AT,
  LEADER_EPOCH_AT,
  LENGTH_AT,
  LOG_OVERHEAD,
  MAGIC_AT,
  MAX_TIMESTAMP_AT,
  PRODUCER_EPOCH_AT,
  PRODUCER_ID_AT,
  RECORD_COUNT_AT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from './attributes.js';
import { crc32c } from './crc32c.js';
import type { EncodeOptions, RecordBatchInput, RecordInput } from './types.js';
import { uvarintSize, varintSize, writeInt64, writeUVarint, writeVarint, zigzag64 } from './varint.js';

type Bytes = Buffer | Uint8Array | string | null | undefined;

function byteLength(v: Bytes): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

/** Writes `v` (already measured as `len` bytes, -1 for null) with its varint length. */
function writeBytes(buf: Buffer, pos: number, v: Bytes, len: number): number {
  pos = writeVarint(buf, pos, len);
  if (len <= 0) return pos;
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else buf.set(v as Uint8Array, pos);
  return pos + len;
}

function headersSize(headers: RecordInput['headers']): number {
  if (headers === undefined) return 1;
  let size = 0;
  let count = 0;
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<readonly [string, Bytes]>;
    for (let i = 0; i < list.length; i++) {
      const k = Buffer.byteLength(list[i][0], 'utf8');
      const v = byteLength(list[i][1]);
      size += varintSize(k) + k + varintSize(v) + (v > 0 ? v : 0);
    }
    count = list.length;
  } else {
    const obj = headers as Readonly<Record<string, Bytes>>;
    for (const key in obj) {
      const k = Buffer.byteLength(key, 'utf8');
      const v = byteLength(obj[key]);
      size += varintSize(k) + k + varintSize(v) + (v > 0 ? v : 0);
      count++;
    }
  }
  return size + varintSize(count);
}

function writeHeaders(buf: Buffer, pos: number, headers: RecordInput['headers']): number {
  if (headers === undefined) {
    buf[pos] = 0;
    return pos + 1;
  }
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<readonly [string, Bytes]>;
    pos = writeVarint(buf, pos, list.length);
    for (let i = 0; i < list.length; i++) {
      const key = list[i][0];
      pos = writeBytes(buf, pos, key, Buffer.byteLength(key, 'utf8'));
      pos = writeBytes(buf, pos, list[i][1], byteLength(list[i][1]));
    }
    return pos;
  }
  const obj = headers as Readonly<Record<string, Bytes>>;
  let count = 0;
  for (const _ in obj) count++;
  pos = writeVarint(buf, pos, count);
  for (const key in obj) {
    pos = writeBytes(buf, pos, key, Buffer.byteLength(key, 'utf8'));
    pos = writeBytes(buf, pos, obj[key], byteLength(obj[key]));
  }
  return pos;
}

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
  const now = options.now ?? clockNow();
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

function attributesOf(codecId: number, options: EncodeOptions): number {
  return (
    codecId |
    (options.timestampType === 'log-append' ? TIMESTAMP_TYPE_BIT : 0) |
    (options.transactional === true ? TRANSACTIONAL_BIT : 0) |
    (options.control === true ? CONTROL_BIT : 0)
  );
}

/** Fills the 61-byte header (CRC last, over everything after it). */
function finishHeader(buf: Buffer, count: number, attributes: number, l: Layout, options: EncodeOptions): Buffer {
  writeInt64(buf, BASE_OFFSET_AT, options.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, LENGTH_AT);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, LEADER_EPOCH_AT);
  buf[MAGIC_AT] = 2;
  buf.writeInt16BE(attributes, ATTRIBUTES_AT);
  buf.writeInt32BE(l.lastOffsetDelta, LAST_OFFSET_DELTA_AT);
  writeInt64(buf, BASE_TIMESTAMP_AT, l.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_AT, l.maxTimestamp);
  writeInt64(buf, PRODUCER_ID_AT, options.producerId ?? -1);
  buf.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH_AT);
  buf.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE_AT);
  buf.writeInt32BE(count, RECORD_COUNT_AT);
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES_AT, buf.length), CRC_AT);
  return buf;
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
  return finishHeader(buf, b.records.length, attributesOf(0, options), l, options);
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
  const packed = await codec.compress(plain);
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
  packed.copy(buf, BATCH_HEADER_SIZE);
  return finishHeader(buf, b.records.length, attributesOf(codec.id, options), l, options);
}

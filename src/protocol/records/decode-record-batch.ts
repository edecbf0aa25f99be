import { KafkaProtocolError } from '../../errors.js';
import { COMPRESSION_NAMES } from '../compression/index.js';
import {
  ATTRIBUTES_AT,
  BASE_SEQUENCE_AT,
  BASE_TIMESTAMP_AT,
  BATCH_HEADER_SIZE,
  CODEC_MASK,
  CONTROL_BIT,
  CRC_AT,
  DELETE_HORIZON_BIT,
  LAST_OFFSET_DELTA_AT,
  LEADER_EPOCH_AT,
  LOG_OVERHEAD,
  MAGIC_AT,
  MAX_TIMESTAMP_AT,
  PRODUCER_EPOCH_AT,
  PRODUCER_ID_AT,
  RECORD_COUNT_AT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from './attributes.js';
import { decodeControlMarker } from './control-record.js';
import { crc32c } from './crc32c.js';
import { safeBigInt } from '../safe-bigint.js';
import { RecordCursor } from './record-cursor.js';
import type { KafkaRecord, RecordBatch, RecordFactory, RecordHeader } from './types.js';

/** Smallest encoded record: length, attributes, timestamp delta, offset delta, key, value, header count. */
const MIN_RECORD_BYTES = 7;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 4294967296;

function int64Number(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

/** Header fields of the v2 batch at `pos`, which the caller has checked is complete. */
export interface V2Header {
  batch: RecordBatch;
  codecId: number;
  count: number;
  /** Where the (possibly compressed) records section starts and ends in the input. */
  payloadStart: number;
  payloadEnd: number;
}

/** Reads and checks (CRC, attributes, count) the header of a complete v2 batch. */
export function readV2Header(buf: Buffer, pos: number, length: number): V2Header {
  const end = pos + LOG_OVERHEAD + length;
  const stored = buf.readUInt32BE(pos + CRC_AT);
  const actual = crc32c(buf, pos + ATTRIBUTES_AT, end);
  if (stored !== actual) {
    throw new KafkaProtocolError(
      `record batch CRC-32C mismatch: stored ${stored.toString(16)}, computed ${actual.toString(16)}`,
      pos + CRC_AT,
    );
  }
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_AT);
  const codecId = attributes & CODEC_MASK;
  const compression = COMPRESSION_NAMES[codecId];
  if (compression === undefined) throw new KafkaProtocolError(`unknown compression codec ${codecId}`, pos + ATTRIBUTES_AT);
  const count = buf.readInt32BE(pos + RECORD_COUNT_AT);
  const payloadStart = pos + BATCH_HEADER_SIZE;
  if (count < 0) throw new KafkaProtocolError(`negative record count ${count}`, pos + RECORD_COUNT_AT);
  if (codecId === 0 && count * MIN_RECORD_BYTES > end - payloadStart) {
    throw new KafkaProtocolError(`record count ${count} exceeds what ${end - payloadStart} bytes can hold`, pos + RECORD_COUNT_AT);
  }
  const batch: RecordBatch = {
    baseOffset: buf.readBigInt64BE(pos),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_AT),
    partitionLeaderEpoch: buf.readInt32BE(pos + LEADER_EPOCH_AT),
    magic: buf[pos + MAGIC_AT],
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_BIT ? 'log-append' : 'create',
    isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & CONTROL_BIT) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_BIT) !== 0,
    baseTimestamp: int64Number(buf, pos + BASE_TIMESTAMP_AT),
    maxTimestamp: int64Number(buf, pos + MAX_TIMESTAMP_AT),
    producerId: buf.readBigInt64BE(pos + PRODUCER_ID_AT),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_AT),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_AT),
    records: [],
  };
  return { batch, codecId, count, payloadStart, payloadEnd: end };
}

/**
 * Decodes `count` records from `data[start, end)` into `batch.records`; the records must fill
 * the section exactly. `at` maps positions in `data` to the input for error offsets.
 */
const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

export function decodeRecordsInto(batch: RecordBatch, count: number, data: Buffer, start: number, end: number, at: number, newRecord?: RecordFactory): void {
  if (count * MIN_RECORD_BYTES > end - start) {
    throw new KafkaProtocolError(`record count ${count} exceeds what ${end - start} bytes can hold`, at + start);
  }
  const cur = new RecordCursor(data, start, end, at);
  const out: KafkaRecord[] = new Array<KafkaRecord>(count);
  const baseOffset = batch.baseOffset;
  // Offsets are bigints in the output; doing the add in doubles and converting once is far
  // cheaper than a bigint add per record, and exact while the sum stays below 2^53.
  const safeBase = baseOffset >= 0n && baseOffset < MAX_SAFE - 0x80000000n;
  const baseNum = safeBase ? Number(baseOffset) : 0;
  const logAppend = batch.timestampType === 'log-append';
  const baseTimestamp = batch.baseTimestamp;
  const maxTimestamp = batch.maxTimestamp;
  const make = batch.isControl ? undefined : newRecord;
  for (let i = 0; i < count; i++) {
    const recordStart = cur.pos;
    cur.end = end;
    const size = cur.varint();
    if (size < 6 || size > end - cur.pos) cur.fail(`bad record length ${size}`, recordStart);
    const recordEnd = cur.pos + size;
    cur.end = recordEnd;
    cur.pos++; // record attributes: none defined
    const timestampDelta = cur.varlong();
    const offsetDelta = cur.varint();
    const key = cur.bytes();
    const value = cur.bytes();
    const headerStart = cur.pos;
    const headerCount = cur.varint();
    if (headerCount < 0 || headerCount * 2 > recordEnd - cur.pos) cur.fail(`bad header count ${headerCount}`, headerStart);
    // a reader making its own records shares one empty list among those without headers
    const headers: RecordHeader[] = headerCount === 0 && make !== undefined ? NO_HEADERS : new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const hk = cur.string();
      headers[h] = { key: hk, value: cur.bytes() };
    }
    if (cur.pos !== recordEnd) cur.fail(`record has ${recordEnd - cur.pos} bytes beyond its fields`, recordStart);
    const offset = safeBase ? safeBigInt(baseNum + offsetDelta) : baseOffset + BigInt(offsetDelta);
    const timestamp = logAppend ? maxTimestamp : baseTimestamp + timestampDelta;
    if (make !== undefined) {
      out[i] = make(offset, timestamp, key, value, headers, batch.partitionLeaderEpoch);
      continue;
    }
    const record: KafkaRecord = { offset, timestamp, key, value, headers };
    if (batch.isControl) {
      const marker = decodeControlMarker(key, value, at + recordStart);
      if (marker !== undefined) record.control = marker;
    }
    out[i] = record;
  }
  if (cur.pos !== end) {
    throw new KafkaProtocolError(`${end - cur.pos} bytes left after the batch's ${count} records`, at + cur.pos);
  }
  batch.records = out;
}

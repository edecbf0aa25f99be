import { KafkaProtocolError } from '../../errors.js';
import { COMPRESSION_NAMES } from '../compression/index.js';
import { CODEC_MASK, LOG_OVERHEAD, TIMESTAMP_TYPE_BIT } from './attributes.js';
import { crc32 } from './crc32.js';
import type { KafkaRecord, RecordBatch } from './types.js';

/**
 * Legacy messages (magic 0 and 1), read for old data still in logs and from old brokers:
 *   offset int64, size int32, crc uint32 (CRC-32 from magic to the end), magic int8,
 *   attributes int8, [timestamp int64, v1 only], key bytes, value bytes.
 * A compressed message (a "wrapper") carries a whole inner message set as its value.
 */
const CRC_AT = 12;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 17;
const TWO_32 = 4294967296;

/** Smallest value of `size` for each magic: crc, magic, attributes, [timestamp], key and value lengths. */
export function minLegacySize(magic: number): number {
  return magic === 0 ? 14 : 22;
}

export interface LegacyMessage {
  offset: bigint;
  magic: number;
  codecId: number;
  logAppendTime: boolean;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

function readBytes(buf: Buffer, pos: number, end: number, at: number): [Buffer | null, number] {
  if (pos + 4 > end) throw new KafkaProtocolError('truncated legacy message', at + pos);
  const len = buf.readInt32BE(pos);
  if (len === -1) return [null, pos + 4];
  if (len < 0 || len > end - pos - 4) throw new KafkaProtocolError(`bad legacy bytes length ${len}`, at + pos);
  return [buf.subarray(pos + 4, pos + 4 + len), pos + 4 + len];
}

/** One complete legacy message at `pos` whose `size` the caller has bounds-checked. */
export function readLegacyMessage(buf: Buffer, pos: number, size: number, at: number): LegacyMessage {
  const end = pos + LOG_OVERHEAD + size;
  if (size < minLegacySize(0)) throw new KafkaProtocolError(`legacy message size ${size} too small`, at + pos + 8);
  const magic = buf[pos + MAGIC_AT];
  if (magic > 1) throw new KafkaProtocolError(`legacy message with magic ${magic}`, at + pos + MAGIC_AT);
  if (size < minLegacySize(magic)) throw new KafkaProtocolError(`legacy message size ${size} too small`, at + pos + 8);
  const stored = buf.readUInt32BE(pos + CRC_AT);
  const actual = crc32(buf, pos + MAGIC_AT, end);
  if (stored !== actual) {
    throw new KafkaProtocolError(
      `message CRC-32 mismatch: stored ${stored.toString(16)}, computed ${actual.toString(16)}`,
      at + pos + CRC_AT,
    );
  }
  const attributes = buf[pos + ATTRIBUTES_AT];
  const codecId = attributes & CODEC_MASK;
  if (COMPRESSION_NAMES[codecId] === undefined) {
    throw new KafkaProtocolError(`unknown compression codec ${codecId}`, at + pos + ATTRIBUTES_AT);
  }
  let p = pos + ATTRIBUTES_AT + 1;
  let timestamp = -1;
  if (magic === 1) {
    timestamp = buf.readInt32BE(p) * TWO_32 + buf.readUInt32BE(p + 4);
    p += 8;
  }
  const [key, afterKey] = readBytes(buf, p, end, at);
  const [value, afterValue] = readBytes(buf, afterKey, end, at);
  if (afterValue !== end) throw new KafkaProtocolError(`${end - afterValue} bytes left in legacy message`, at + afterValue);
  return {
    offset: buf.readBigInt64BE(pos),
    magic,
    codecId,
    logAppendTime: magic === 1 && (attributes & TIMESTAMP_TYPE_BIT) !== 0,
    timestamp,
    key,
    value,
  };
}

function pseudoBatch(m: LegacyMessage, records: KafkaRecord[]): RecordBatch {
  let maxTimestamp = -1;
  for (const r of records) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  const base = records.length > 0 ? records[0].offset : m.offset;
  const last = records.length > 0 ? records[records.length - 1].offset : m.offset;
  return {
    baseOffset: base,
    lastOffsetDelta: Number(last - base),
    partitionLeaderEpoch: -1,
    magic: m.magic,
    compression: COMPRESSION_NAMES[m.codecId],
    timestampType: m.logAppendTime ? 'log-append' : 'create',
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    baseTimestamp: records.length > 0 ? records[0].timestamp : m.timestamp,
    maxTimestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records,
  };
}

/** An uncompressed legacy message as a pseudo-batch of one record. */
export function plainMessageBatch(m: LegacyMessage): RecordBatch {
  return pseudoBatch(m, [{ offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: [] }]);
}

/**
 * A compressed wrapper's decompressed value: a complete inner message set. In magic 1 the
 * inner offsets are relative and the wrapper holds the absolute offset of the last one; in
 * magic 0 they are absolute. With log-append time the wrapper's timestamp applies to all.
 */
export function wrapperBatch(wrapper: LegacyMessage, inner: Buffer, at: number): RecordBatch {
  const messages: LegacyMessage[] = [];
  let pos = 0;
  while (pos < inner.length) {
    if (inner.length - pos < LOG_OVERHEAD) {
      throw new KafkaProtocolError('truncated message inside a compressed wrapper', at);
    }
    const size = inner.readInt32BE(pos + 8);
    if (size < 0 || size > inner.length - pos - LOG_OVERHEAD) {
      throw new KafkaProtocolError(`inner message size ${size} exceeds its wrapper`, at);
    }
    let m: LegacyMessage;
    try {
      m = readLegacyMessage(inner, pos, size, 0);
    } catch (err) {
      if (err instanceof KafkaProtocolError) {
        throw new KafkaProtocolError(`inside compressed wrapper: ${err.message}`, at, { cause: err });
      }
      throw err;
    }
    if (m.codecId !== 0) throw new KafkaProtocolError('compressed message nested in a compressed wrapper', at);
    messages.push(m);
    pos += LOG_OVERHEAD + size;
  }
  const relative = wrapper.magic > 0;
  const shift = relative && messages.length > 0 ? wrapper.offset - messages[messages.length - 1].offset : 0n;
  const records: KafkaRecord[] = messages.map((m) => ({
    offset: m.offset + shift,
    timestamp: wrapper.logAppendTime ? wrapper.timestamp : m.timestamp,
    key: m.key,
    value: m.value,
    headers: [],
  }));
  return pseudoBatch(wrapper, records);
}

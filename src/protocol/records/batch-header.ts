import {
  ATTRIBUTES_AT,
  BASE_OFFSET_AT,
  BASE_SEQUENCE_AT,
  BASE_TIMESTAMP_AT,
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
import type { EncodeOptions } from './types.js';
import { writeInt64 } from './varint.js';

/** What the header says of the records behind it. */
export interface RecordsSummary {
  count: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

export function attributesOf(codecId: number, options: EncodeOptions): number {
  return (
    codecId |
    (options.timestampType === 'log-append' ? TIMESTAMP_TYPE_BIT : 0) |
    (options.transactional === true ? TRANSACTIONAL_BIT : 0) |
    (options.control === true ? CONTROL_BIT : 0)
  );
}

/**
 * Fills the 61-byte v2 header at the front of `buf`, whose records section is already in
 * place behind it, CRC last (it covers everything from the attributes on).
 */
export function writeBatchHeader(buf: Buffer, attributes: number, s: RecordsSummary, options: EncodeOptions): Buffer {
  writeInt64(buf, BASE_OFFSET_AT, options.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, LENGTH_AT);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, LEADER_EPOCH_AT);
  buf[MAGIC_AT] = 2;
  buf.writeInt16BE(attributes, ATTRIBUTES_AT);
  buf.writeInt32BE(s.lastOffsetDelta, LAST_OFFSET_DELTA_AT);
  writeInt64(buf, BASE_TIMESTAMP_AT, s.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_AT, s.maxTimestamp);
  writeInt64(buf, PRODUCER_ID_AT, options.producerId ?? -1);
  buf.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH_AT);
  buf.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE_AT);
  buf.writeInt32BE(s.count, RECORD_COUNT_AT);
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES_AT, buf.length), CRC_AT);
  return buf;
}

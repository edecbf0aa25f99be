import { KafkaProtocolError } from '../../errors.js';
import { BATCH_HEADER_SIZE, LENGTH_AT, LOG_OVERHEAD, MAGIC_AT } from './attributes.js';
import { readV2Header } from './decode-record-batch.js';
import type { RecordBatch } from './types.js';

export interface RecordBatchInfo extends Omit<RecordBatch, 'records'> {
  /** Records the batch holds, as its header states. */
  recordCount: number;
  /** Bytes the whole batch takes, offset and length fields included. */
  byteLength: number;
}

/**
 * The header of the v2 batch at `offset`, CRC-checked, without decoding its records: what a
 * fetcher needs to route or skip a batch, or a broker to assign offsets.
 */
export function recordBatchInfo(bytes: Uint8Array, offset = 0): RecordBatchInfo {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length - offset < BATCH_HEADER_SIZE) throw new KafkaProtocolError('truncated record batch header', offset);
  if (buf[offset + MAGIC_AT] !== 2) throw new KafkaProtocolError(`not a v2 record batch (magic ${buf[offset + MAGIC_AT]})`, offset + MAGIC_AT);
  const length = buf.readInt32BE(offset + LENGTH_AT);
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD || length > buf.length - offset - LOG_OVERHEAD) {
    throw new KafkaProtocolError(`record batch length ${length} does not fit the input`, offset + LENGTH_AT);
  }
  const { batch, count } = readV2Header(buf, offset, length);
  const { records: _records, ...header } = batch;
  return { ...header, recordCount: count, byteLength: LOG_OVERHEAD + length };
}

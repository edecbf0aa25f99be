import { KafkaProtocolError } from '../../errors.js';
import { ATTRIBUTES_AT, BASE_SEQUENCE_AT, BATCH_HEADER_SIZE, CRC_AT, LENGTH_AT, LOG_OVERHEAD, MAGIC_AT, PRODUCER_EPOCH_AT, PRODUCER_ID_AT } from './attributes.js';
import { crc32c } from './crc32c.js';

/**
 * Rewrites the producer id, epoch and base sequence of one encoded v2 batch, in place, and
 * recomputes its CRC-32C. An idempotent producer that bumps its epoch (KIP-360) re-stamps the
 * batches it already encoded this way: the records (possibly compressed) stay as they are.
 */
export function restampRecordBatch(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  if (batch.length < BATCH_HEADER_SIZE || batch[MAGIC_AT] !== 2) {
    throw new KafkaProtocolError('not a v2 record batch', batch.length < BATCH_HEADER_SIZE ? batch.length : MAGIC_AT);
  }
  const end = LOG_OVERHEAD + batch.readInt32BE(LENGTH_AT);
  if (end !== batch.length) throw new KafkaProtocolError(`record batch length ${end} does not match its ${batch.length} bytes`, LENGTH_AT);
  batch.writeBigInt64BE(producerId, PRODUCER_ID_AT);
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_AT);
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_AT);
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_AT, end), CRC_AT);
}

import { asKafkaError, KafkaError } from '../errors.js';
import type { CompressionName } from '../protocol/compression/index.js';
import { decodeRecordBatches, RecordsWriter, sealRecordBatch, sealRecordBatchSync, type BufferSource, type EncodedRecords, type EncodeOptions } from '../protocol/records/index.js';
import { ProducerBatch } from './producer-batch.js';
import { sequenceAfter } from './sequencing.js';

/** How a batch's header is written: codec, producer identity, sequence, transaction. */
const sealOptions = (b: ProducerBatch, compression: CompressionName): EncodeOptions => ({
  compression,
  producerId: b.producerId,
  producerEpoch: b.producerEpoch,
  baseSequence: b.baseSequence,
  transactional: b.transactional,
});

/**
 * Puts the header (and the compression) on a stamped batch: at once without compression, else
 * when the codec is done, into a buffer from `buffers`, and the uncompressed records go back to
 * them; then `ready` (the batch may go), or `failed` with a CompressionError.
 */
export function seal(batch: ProducerBatch, compression: CompressionName, buffers: BufferSource, ready: () => void, failed: (error: KafkaError) => void): void {
  const records = batch.records as EncodedRecords;
  batch.records = null;
  const options = sealOptions(batch, compression);
  if (compression === 'none') {
    batch.sealed(sealRecordBatchSync(records, options));
    ready();
    return;
  }
  sealRecordBatch(records, options, buffers).then(
    (bytes) => {
      buffers.give(records.buffer);
      batch.sealed(bytes);
      ready();
    },
    (e: unknown) => failed(asKafkaError(e)),
  );
}

/**
 * A batch refused as too large (MESSAGE_TOO_LARGE), in two halves, in order, each re-encoded
 * from the batch's own bytes (its records were let go when they were encoded) under the same
 * producer identity, the second half's sequence following the first's; the receipts and the
 * memory share are split alike.
 */
export async function splitBatch(b: ProducerBatch, compression: CompressionName): Promise<ProducerBatch[]> {
  const [decoded] = await decodeRecordBatches(b.encoded ?? Buffer.alloc(0));
  const records = decoded?.records ?? [];
  if (records.length !== b.count) throw new KafkaError(`a batch of ${b.count} records decoded to ${records.length}`);
  const half = Math.ceil(records.length / 2);
  const halfBytes = Math.round((b.bytes * half) / records.length);
  return Promise.all(
    [
      [0, half, halfBytes],
      [half, records.length, b.bytes - halfBytes],
    ].map(async ([from, to, bytes]) => {
      const writer = new RecordsWriter();
      for (let i = from; i < to; i++) {
        const r = records[i];
        writer.append(r.key, r.value, r.headers.length > 0 ? r.headers.map((h) => [h.key, h.value] as const) : undefined, r.timestamp);
      }
      const sequence = b.baseSequence < 0 ? -1 : sequenceAfter(b.baseSequence, from);
      const part = new ProducerBatch(b.topic, b.partition, null, b.receipts.slice(from, to), sequence, b.producerId, b.producerEpoch, b.transactional, bytes);
      part.reporter = b.reporter;
      part.sealed(await sealRecordBatch(writer.finish() as EncodedRecords, sealOptions(part, compression)));
      return part;
    }),
  );
}

import { KafkaError, KafkaProtocolError } from '../../errors.js';
import { codecById, decompressWith, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../compression/index.js';
import { LENGTH_AT, LOG_OVERHEAD, MAGIC_AT } from './attributes.js';
import { decodeRecordsInto, readV2Header } from './decode-record-batch.js';
import { minLegacySize, plainMessageBatch, readLegacyMessage, wrapperBatch } from './legacy-message-set.js';
import type { DecodeOptions, DecodedRecordSet, RecordBatch } from './types.js';

const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024 * 1024;
/** v2 batch length counts from the leader epoch: 61-byte header less offset and length. */
const V2_MIN_LENGTH = 49;

/** A compressed batch or wrapper found by the walk, to finish once its payload is inflated. */
interface Pending {
  index: number;
  codecId: number;
  data: Buffer;
  at: number;
  finish(plain: Buffer): RecordBatch;
}

interface Walk {
  slots: (RecordBatch | undefined)[];
  pending: Pending[];
  truncatedBytes: number;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Splits a record set (what Fetch returns for a partition) into batches, checking each one's
 * framing and checksum and decoding uncompressed records on the spot. A last entry cut short
 * by the broker's size limit ends the walk cleanly; anything malformed inside the declared
 * bounds is a KafkaProtocolError.
 */
function walk(buf: Buffer, options: DecodeOptions): Walk {
  const maxBatch = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const slots: (RecordBatch | undefined)[] = [];
  const pending: Pending[] = [];
  let pos = 0;
  const len = buf.length;
  while (pos < len) {
    if (len - pos <= MAGIC_AT) break;
    const length = buf.readInt32BE(pos + LENGTH_AT);
    if (length < 0 || length > maxBatch) {
      throw new KafkaProtocolError(`record batch length ${length} out of range (limit ${maxBatch})`, pos + LENGTH_AT);
    }
    const magic = buf[pos + MAGIC_AT];
    if (magic === 2) {
      if (length < V2_MIN_LENGTH) throw new KafkaProtocolError(`record batch length ${length} too small`, pos + LENGTH_AT);
    } else if (magic === 0 || magic === 1) {
      if (length < minLegacySize(magic)) throw new KafkaProtocolError(`message size ${length} too small`, pos + LENGTH_AT);
    } else {
      throw new KafkaProtocolError(`unknown magic ${magic}`, pos + MAGIC_AT);
    }
    if (length > len - pos - LOG_OVERHEAD) break;
    if (magic === 2) {
      const h = readV2Header(buf, pos, length);
      if (h.codecId === 0) {
        decodeRecordsInto(h.batch, h.count, buf, h.payloadStart, h.payloadEnd, 0, options.newRecord);
        slots.push(h.batch);
      } else {
        const at = h.payloadStart;
        pending.push({
          index: slots.length,
          codecId: h.codecId,
          data: buf.subarray(h.payloadStart, h.payloadEnd),
          at,
          finish(plain) {
            try {
              decodeRecordsInto(h.batch, h.count, plain, 0, plain.length, 0, options.newRecord);
            } catch (err) {
              throw inflated(err, at);
            }
            return h.batch;
          },
        });
        slots.push(undefined);
      }
    } else {
      const m = readLegacyMessage(buf, pos, length, 0);
      if (m.codecId === 0) {
        slots.push(plainMessageBatch(m));
      } else {
        if (m.value === null) throw new KafkaProtocolError('compressed message without a value', pos);
        const at = m.value.byteOffset - buf.byteOffset;
        pending.push({
          index: slots.length,
          codecId: m.codecId,
          data: m.value,
          at,
          finish: (plain) => wrapperBatch(m, plain, at),
        });
        slots.push(undefined);
      }
    }
    pos += LOG_OVERHEAD + length;
  }
  return { slots, pending, truncatedBytes: len - pos };
}

/** Errors inside inflated bytes are reported at the compressed payload's input offset. */
function inflated(err: unknown, at: number): unknown {
  if (err instanceof KafkaProtocolError) {
    return new KafkaProtocolError(`in decompressed records: ${err.message}`, at, { cause: err });
  }
  return err;
}

function done(w: Walk): DecodedRecordSet {
  return { batches: w.slots as RecordBatch[], truncatedBytes: w.truncatedBytes };
}

/** Decodes a record set (RecordBatch v2 and legacy messages), reporting a partial trailing batch. */
export async function decodeRecordSet(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedRecordSet> {
  const w = walk(asBuffer(bytes), options);
  if (w.pending.length > 0) {
    const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    await Promise.all(
      w.pending.map(async (p) => {
        const plain = await decompressWith(codecById(p.codecId, p.at), p.data, max, p.at);
        w.slots[p.index] = p.finish(plain);
      }),
    );
  }
  return done(w);
}

/** The batches of a record set; a partial trailing batch is left out (see {@link decodeRecordSet}). */
export async function decodeRecordBatches(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RecordBatch[]> {
  return (await decodeRecordSet(bytes, options)).batches;
}

/**
 * Synchronous decode for the fetch hot path. Handles every codec whose library decompresses
 * synchronously (all but zstd; a zstd batch throws a KafkaError pointing to the async form).
 */
export function decodeRecordSetSync(bytes: Uint8Array, options: DecodeOptions = {}): DecodedRecordSet {
  const w = walk(asBuffer(bytes), options);
  const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  for (const p of w.pending) {
    const codec = codecById(p.codecId, p.at);
    if (codec.decompressSync === undefined) {
      throw new KafkaError(`${codec.name} batches need the asynchronous decodeRecordSet`);
    }
    w.slots[p.index] = p.finish(codec.decompressSync(p.data, max, p.at));
  }
  return done(w);
}

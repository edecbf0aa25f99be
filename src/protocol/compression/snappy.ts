import { KafkaProtocolError } from '../../errors.js';
import { asProtocolError, tooLarge, type Codec } from './codec.js';
import { lazyBinding } from './native.js';

const snappy = lazyBinding<typeof import('snappy')>('snappy');

/**
 * Kafka's snappy payload is either one raw snappy block (what most clients write) or the
 * xerial framing the Java client writes: an 8-byte magic, two int32s (version, compatible
 * version), then blocks each prefixed by an int32 length.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;

export function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/**
 * A raw snappy block starts with its uncompressed length as an unsigned varint. Reading it
 * first lets us refuse a bomb before the library allocates that length.
 */
function declaredLength(data: Buffer, start: number, end: number, at: number): number {
  let result = 0;
  let mul = 1;
  for (let i = start; i < end && i < start + 5; i++) {
    const b = data[i];
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new KafkaProtocolError('corrupt snappy data: bad length preamble', at);
}

interface Block {
  start: number;
  end: number;
}

/** The raw blocks of a payload, with their total declared size checked against the limit. */
function blocks(data: Buffer, maxBytes: number, at: number): { list: Block[]; total: number } {
  const list: Block[] = [];
  let total = 0;
  const add = (start: number, end: number): void => {
    total += declaredLength(data, start, end, at + start);
    if (total > maxBytes) throw tooLarge('snappy', total, maxBytes, at);
    list.push({ start, end });
  };
  if (!isXerial(data)) {
    add(0, data.length);
    return { list, total };
  }
  let pos = XERIAL_HEADER;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new KafkaProtocolError('truncated xerial snappy block length', at + pos);
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) {
      throw new KafkaProtocolError(`xerial snappy block length ${len} exceeds the input`, at + pos - 4);
    }
    add(pos, pos + len);
    pos += len;
  }
  return { list, total };
}

function join(parts: Buffer[], total: number, at: number): Buffer {
  if (parts.length === 1) return parts[0];
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const p of parts) {
    if (pos + p.length > total) throw new KafkaProtocolError('snappy block longer than declared', at);
    p.copy(out, pos);
    pos += p.length;
  }
  return out.subarray(0, pos);
}

export const snappyCodec: Codec = {
  id: 2,
  name: 'snappy',
  compress: (data) => snappy().compress(data),
  async decompress(data, maxBytes, at) {
    const { list, total } = blocks(data, maxBytes, at);
    try {
      const parts = await Promise.all(
        list.map((b) => snappy().uncompress(data.subarray(b.start, b.end), { asBuffer: true }) as Promise<Buffer>),
      );
      return join(parts, total, at);
    } catch (err) {
      throw asProtocolError('snappy', err, at);
    }
  },
  decompressSync(data, maxBytes, at) {
    const { list, total } = blocks(data, maxBytes, at);
    try {
      const parts = list.map((b) => snappy().uncompressSync(data.subarray(b.start, b.end), { asBuffer: true }) as Buffer);
      return join(parts, total, at);
    } catch (err) {
      throw asProtocolError('snappy', err, at);
    }
  },
};

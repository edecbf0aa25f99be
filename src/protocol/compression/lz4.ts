import { compressFrame, decompressFrame, decompressFrameSync } from 'lz4-napi';
import { KafkaProtocolError } from '../../errors.js';
import { asProtocolError, checkOutput, tooLarge, type Codec } from './codec.js';

/**
 * Kafka's lz4 is the LZ4 frame format. The library has no output limit, so before handing it
 * the bytes we walk the frame's block headers and add up the most each block can produce
 * (its stated maximum block size, or the LZ4 format's ~255:1 best case for a short block).
 * Only if that bound is within the limit do we decompress.
 */
const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

function fail(message: string, at: number): never {
  throw new KafkaProtocolError(`corrupt lz4 data: ${message}`, at);
}

/** Upper bound on the decompressed size of every frame in `data`; also the largest declared content size. */
export function lz4OutputBound(data: Buffer, at: number): { bound: number; declared: number } {
  let pos = 0;
  let bound = 0;
  let declared = 0;
  const need = (n: number): void => {
    if (pos + n > data.length) fail('truncated frame', at + pos);
  };
  while (pos < data.length) {
    need(4);
    const magic = data.readUInt32LE(pos);
    pos += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame: size, then opaque bytes
      need(4);
      const size = data.readUInt32LE(pos);
      pos += 4;
      need(size);
      pos += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) fail('bad frame magic', at + pos - 4);
    need(2);
    const flg = data[pos];
    const bd = data[pos + 1];
    pos += 2;
    if (flg >> 6 !== 1) fail('unsupported frame version', at + pos - 2);
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (blockMax === 0) fail('bad block maximum size', at + pos - 1);
    const blockChecksum = (flg & 0x10) !== 0;
    if (flg & 0x08) {
      need(8);
      const contentSize = data.readUInt32LE(pos) + data.readUInt32LE(pos + 4) * 4294967296;
      if (contentSize > declared) declared = contentSize;
      pos += 8;
    }
    if (flg & 0x01) pos += 4; // dictionary id
    need(1);
    pos += 1; // header checksum: the library verifies it
    for (;;) {
      need(4);
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const stored = word >>> 31 === 1;
      need(size + (blockChecksum ? 4 : 0));
      bound += stored ? size : Math.min(blockMax, size * 255 + 24);
      pos += size + (blockChecksum ? 4 : 0);
    }
    if (flg & 0x04) {
      need(4);
      pos += 4;
    }
  }
  return { bound, declared };
}

function preflight(data: Buffer, maxBytes: number, at: number): void {
  const { bound, declared } = lz4OutputBound(data, at);
  const worst = Math.max(bound, declared);
  if (worst > maxBytes) throw tooLarge('lz4', worst, maxBytes, at);
}

export const lz4Codec: Codec = {
  id: 3,
  name: 'lz4',
  compress: (data) => compressFrame(data),
  async decompress(data, maxBytes, at) {
    preflight(data, maxBytes, at);
    try {
      return checkOutput('lz4', await decompressFrame(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('lz4', err, at);
    }
  },
  decompressSync(data, maxBytes, at) {
    preflight(data, maxBytes, at);
    try {
      return checkOutput('lz4', decompressFrameSync(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('lz4', err, at);
    }
  },
};

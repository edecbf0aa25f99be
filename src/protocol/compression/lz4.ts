import { asProtocolError, checkOutput, type Codec } from './codec.js';
import { frameOutputBound, preflight, type OutputBound } from './frame-bound.js';
import { lazyBinding } from './native.js';

const lz4 = lazyBinding<typeof import('lz4-napi')>('lz4-napi');

/**
 * Kafka's lz4 is the LZ4 frame format. The library has no output limit, so before handing it
 * the bytes we walk the frame's block headers and add up the most each block can produce
 * (its stated maximum block size, or the LZ4 format's ~255:1 best case for a short block).
 * Only if that bound is within the limit do we decompress.
 */
const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

/** Upper bound on the decompressed size of every frame in `data`; also the largest declared content size. */
export function lz4OutputBound(data: Buffer, at: number): OutputBound {
  return frameOutputBound(data, 'lz4', at, FRAME_MAGIC, (c, out) => {
    c.need(2);
    const flg = data[c.pos];
    const bd = data[c.pos + 1];
    c.pos += 2;
    if (flg >> 6 !== 1) c.fail('unsupported frame version', c.pos - 2);
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (blockMax === 0) c.fail('bad block maximum size', c.pos - 1);
    const blockChecksum = (flg & 0x10) !== 0;
    if (flg & 0x08) {
      c.need(8);
      const contentSize = data.readUInt32LE(c.pos) + data.readUInt32LE(c.pos + 4) * 4294967296;
      if (contentSize > out.declared) out.declared = contentSize;
      c.pos += 8;
    }
    if (flg & 0x01) c.pos += 4; // dictionary id
    c.need(1);
    c.pos += 1; // header checksum: the library verifies it
    for (;;) {
      c.need(4);
      const word = data.readUInt32LE(c.pos);
      c.pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const stored = word >>> 31 === 1;
      c.need(size + (blockChecksum ? 4 : 0));
      out.bound += stored ? size : Math.min(blockMax, size * 255 + 24);
      c.pos += size + (blockChecksum ? 4 : 0);
    }
    if (flg & 0x04) {
      c.need(4);
      c.pos += 4;
    }
  });
}

export const lz4Codec: Codec = {
  id: 3,
  name: 'lz4',
  compress: (data) => lz4().compressFrame(data),
  async decompress(data, maxBytes, at) {
    preflight('lz4', lz4OutputBound(data, at), maxBytes, at);
    try {
      return checkOutput('lz4', await lz4().decompressFrame(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('lz4', err, at);
    }
  },
  decompressSync(data, maxBytes, at) {
    preflight('lz4', lz4OutputBound(data, at), maxBytes, at);
    try {
      return checkOutput('lz4', lz4().decompressFrameSync(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('lz4', err, at);
    }
  },
};

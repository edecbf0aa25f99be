import { asProtocolError, checkOutput, type Codec } from './codec.js';
import { frameOutputBound, preflight, type OutputBound } from './frame-bound.js';
import { lazyBinding } from './native.js';

const zstd = lazyBinding<typeof import('@mongodb-js/zstd')>('@mongodb-js/zstd');

/**
 * The zstd binding has no output limit, and zstd's best case ratio is huge (an RLE block of a
 * few bytes yields 128 KiB). So before decompressing we walk the frames' block headers, which
 * state exactly what raw and RLE blocks produce and cap compressed blocks at the block
 * maximum, and refuse when that bound (or a declared content size) is above the limit.
 */
const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_SIZE_MAX = 128 << 10;

/** Upper bound on the decompressed size of every frame in `data`; also the largest declared content size. */
export function zstdOutputBound(data: Buffer, at: number): OutputBound {
  return frameOutputBound(data, 'zstd', at, FRAME_MAGIC, (c, out) => {
    c.need(1);
    const fhd = data[c.pos++];
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    let windowSize = 0;
    if (!singleSegment) {
      c.need(1);
      const wd = data[c.pos++];
      const windowLog = 10 + (wd >> 3);
      const base = 2 ** windowLog;
      windowSize = base + (base / 8) * (wd & 7);
    }
    c.need(dictBytes);
    c.pos += dictBytes;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    c.need(fcsBytes);
    let fcs = -1;
    if (fcsBytes === 1) fcs = data[c.pos];
    else if (fcsBytes === 2) fcs = data.readUInt16LE(c.pos) + 256;
    else if (fcsBytes === 4) fcs = data.readUInt32LE(c.pos);
    else if (fcsBytes === 8) fcs = data.readUInt32LE(c.pos) + data.readUInt32LE(c.pos + 4) * 4294967296;
    c.pos += fcsBytes;
    if (singleSegment) windowSize = fcs;
    if (fcs > out.declared) out.declared = fcs;
    const blockMax = Math.min(windowSize, BLOCK_SIZE_MAX);
    for (;;) {
      c.need(3);
      const header = data[c.pos] | (data[c.pos + 1] << 8) | (data[c.pos + 2] << 16);
      c.pos += 3;
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) c.fail('reserved block type', c.pos - 3);
      if (type === 1) {
        c.need(1);
        c.pos += 1;
        out.bound += size;
      } else {
        c.need(size);
        c.pos += size;
        out.bound += type === 0 ? size : blockMax;
      }
      if (last) break;
    }
    if (checksum) {
      c.need(4);
      c.pos += 4;
    }
  });
}

export const zstdCodec: Codec = {
  id: 4,
  name: 'zstd',
  compress: (data) => zstd().compress(data),
  async decompress(data, maxBytes, at) {
    preflight('zstd', zstdOutputBound(data, at), maxBytes, at);
    try {
      return checkOutput('zstd', await zstd().decompress(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('zstd', err, at);
    }
  },
};

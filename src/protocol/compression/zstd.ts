import { compress, decompress } from '@mongodb-js/zstd';
import { KafkaProtocolError } from '../../errors.js';
import { asProtocolError, checkOutput, tooLarge, type Codec } from './codec.js';

/**
 * The zstd binding has no output limit, and zstd's best case ratio is huge (an RLE block of a
 * few bytes yields 128 KiB). So before decompressing we walk the frames' block headers, which
 * state exactly what raw and RLE blocks produce and cap compressed blocks at the block
 * maximum, and refuse when that bound (or a declared content size) is above the limit.
 */
const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_SIZE_MAX = 128 << 10;

function fail(message: string, at: number): never {
  throw new KafkaProtocolError(`corrupt zstd data: ${message}`, at);
}

/** Upper bound on the decompressed size of every frame in `data`; also the largest declared content size. */
export function zstdOutputBound(data: Buffer, at: number): { bound: number; declared: number } {
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
      need(4);
      const size = data.readUInt32LE(pos);
      pos += 4;
      need(size);
      pos += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) fail('bad frame magic', at + pos - 4);
    need(1);
    const fhd = data[pos++];
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    let windowSize = 0;
    if (!singleSegment) {
      need(1);
      const wd = data[pos++];
      const windowLog = 10 + (wd >> 3);
      const base = 2 ** windowLog;
      windowSize = base + (base / 8) * (wd & 7);
    }
    need(dictBytes);
    pos += dictBytes;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    need(fcsBytes);
    let fcs = -1;
    if (fcsBytes === 1) fcs = data[pos];
    else if (fcsBytes === 2) fcs = data.readUInt16LE(pos) + 256;
    else if (fcsBytes === 4) fcs = data.readUInt32LE(pos);
    else if (fcsBytes === 8) fcs = data.readUInt32LE(pos) + data.readUInt32LE(pos + 4) * 4294967296;
    pos += fcsBytes;
    if (singleSegment) windowSize = fcs;
    if (fcs > declared) declared = fcs;
    const blockMax = Math.min(windowSize, BLOCK_SIZE_MAX);
    for (;;) {
      need(3);
      const header = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) fail('reserved block type', at + pos - 3);
      if (type === 1) {
        need(1);
        pos += 1;
        bound += size;
      } else {
        need(size);
        pos += size;
        bound += type === 0 ? size : blockMax;
      }
      if (last) break;
    }
    if (checksum) {
      need(4);
      pos += 4;
    }
  }
  return { bound, declared };
}

function preflight(data: Buffer, maxBytes: number, at: number): void {
  const { bound, declared } = zstdOutputBound(data, at);
  const worst = Math.max(bound, declared);
  if (worst > maxBytes) throw tooLarge('zstd', worst, maxBytes, at);
}

export const zstdCodec: Codec = {
  id: 4,
  name: 'zstd',
  compress: (data) => compress(data),
  async decompress(data, maxBytes, at) {
    preflight(data, maxBytes, at);
    try {
      return checkOutput('zstd', await decompress(data), maxBytes, at);
    } catch (err) {
      throw asProtocolError('zstd', err, at);
    }
  },
};

import { gzipSync } from 'node:zlib';
import { crc32 } from '../../../src/protocol/records/index.js';

export interface LegacyIn {
  offset: bigint;
  magic: 0 | 1;
  attributes?: number;
  timestamp?: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** One legacy message laid out by hand from the documented format. */
export function legacyMessage(m: LegacyIn): Buffer {
  const keyLen = m.key === null ? 0 : m.key.length;
  const valueLen = m.value === null ? 0 : m.value.length;
  const size = 4 + 1 + 1 + (m.magic === 1 ? 8 : 0) + 4 + keyLen + 4 + valueLen;
  const buf = Buffer.alloc(12 + size);
  buf.writeBigInt64BE(m.offset, 0);
  buf.writeInt32BE(size, 8);
  let p = 16;
  buf[p++] = m.magic;
  buf[p++] = m.attributes ?? 0;
  if (m.magic === 1) {
    buf.writeBigInt64BE(BigInt(m.timestamp ?? -1), p);
    p += 8;
  }
  buf.writeInt32BE(m.key === null ? -1 : keyLen, p);
  p += 4;
  if (m.key !== null) p += m.key.copy(buf, p);
  buf.writeInt32BE(m.value === null ? -1 : valueLen, p);
  p += 4;
  if (m.value !== null) m.value.copy(buf, p);
  buf.writeUInt32BE(crc32(buf, 16), 12);
  return buf;
}

/** A gzip wrapper around `inner` messages. */
export function gzipWrapper(magic: 0 | 1, offset: bigint, inner: LegacyIn[], timestamp = -1, logAppend = false): Buffer {
  const value = gzipSync(Buffer.concat(inner.map(legacyMessage)));
  return legacyMessage({ offset, magic, attributes: 1 | (logAppend ? 8 : 0), timestamp, key: null, value });
}

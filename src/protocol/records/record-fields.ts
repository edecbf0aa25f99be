import type { RecordInput } from './types.js';
import { varintSize, writeVarint } from './varint.js';

/** A key, value or header value as the encoders take it. */
export type Bytes = Buffer | Uint8Array | string | null | undefined;

/** Encoded length of `v`, -1 for null (Kafka's null bytes). */
export function byteLength(v: Bytes): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

/** Writes `v` (already measured as `len` bytes, -1 for null) with its varint length. */
export function writeBytes(buf: Buffer, pos: number, v: Bytes, len: number): number {
  pos = writeVarint(buf, pos, len);
  if (len <= 0) return pos;
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else buf.set(v as Uint8Array, pos);
  return pos + len;
}

/** Encoded size of a record's headers, count included. */
export function headersSize(headers: RecordInput['headers']): number {
  if (headers === undefined) return 1;
  let size = 0;
  let count = 0;
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<readonly [string, Bytes]>;
    for (let i = 0; i < list.length; i++) {
      const k = Buffer.byteLength(list[i][0], 'utf8');
      const v = byteLength(list[i][1]);
      size += varintSize(k) + k + varintSize(v) + (v > 0 ? v : 0);
    }
    count = list.length;
  } else {
    const obj = headers as Readonly<Record<string, Bytes>>;
    for (const key in obj) {
      const k = Buffer.byteLength(key, 'utf8');
      const v = byteLength(obj[key]);
      size += varintSize(k) + k + varintSize(v) + (v > 0 ? v : 0);
      count++;
    }
  }
  return size + varintSize(count);
}

export function writeHeaders(buf: Buffer, pos: number, headers: RecordInput['headers']): number {
  if (headers === undefined) {
    buf[pos] = 0;
    return pos + 1;
  }
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<readonly [string, Bytes]>;
    pos = writeVarint(buf, pos, list.length);
    for (let i = 0; i < list.length; i++) {
      const key = list[i][0];
      pos = writeBytes(buf, pos, key, Buffer.byteLength(key, 'utf8'));
      pos = writeBytes(buf, pos, list[i][1], byteLength(list[i][1]));
    }
    return pos;
  }
  const obj = headers as Readonly<Record<string, Bytes>>;
  let count = 0;
  for (const _ in obj) count++;
  pos = writeVarint(buf, pos, count);
  for (const key in obj) {
    pos = writeBytes(buf, pos, key, Buffer.byteLength(key, 'utf8'));
    pos = writeBytes(buf, pos, obj[key], byteLength(obj[key]));
  }
  return pos;
}

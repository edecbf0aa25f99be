import { buildSlicingTables, crcUpdate } from './crc-table.js';

/**
 * CRC-32 (IEEE 802.3), reflected polynomial 0xEDB88320: the checksum of legacy MessageSet
 * v0/v1 messages. Our own because zlib.crc32 is missing from early Node 20 releases.
 */
const TABLES = buildSlicingTables(0xedb88320);

/** CRC-32 of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  return (crcUpdate(TABLES, -1, buf, start, end) ^ -1) >>> 0;
}

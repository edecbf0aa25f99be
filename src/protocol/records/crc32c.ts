import { buildSlicingTables, crcUpdate } from './crc-table.js';

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78: the checksum of RecordBatch v2. */
const TABLES = buildSlicingTables(0x82f63b78);

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return (crcUpdate(TABLES, -1, buf, start, end) ^ -1) >>> 0;
}

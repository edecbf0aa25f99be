import { buildSlicingTables, crcUpdate } from './crc-table.js';
import { wasmCrcUpdate } from './crc-wasm.js';

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78: the checksum of RecordBatch v2. */
const TABLES = buildSlicingTables(0x82f63b78);
const WASM = wasmCrcUpdate(TABLES);
/** Below this many bytes the JS loop wins: the wasm call and the copy cost more than they save. */
const WASM_FROM = 512;

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const state = WASM !== null && end - start >= WASM_FROM ? WASM(-1, buf, start, end) : crcUpdate(TABLES, -1, buf, start, end);
  return (state ^ -1) >>> 0;
}

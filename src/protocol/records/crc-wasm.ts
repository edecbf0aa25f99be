/**
 * Slicing-by-16 CRC update in WebAssembly, for long inputs (a record batch is up to a few MiB).
 * The same algorithm as crcUpdate in crc-table.ts, but wasm does the 16 table lookups per
 * 16 bytes without JS's bounds checks and with four 32-bit loads instead of sixteen byte loads:
 * measured about 2x faster than the JS loop on node 20 for 1 MiB inputs (1.9 vs 0.93 GiB/s).
 *
 * The module is assembled here, from opcodes, at load time: no binary blob to trust, no
 * toolchain. Memory layout: the 16 tables (16 KiB) at address 0, then a window the input is
 * copied into, WINDOW bytes at a time.
 */

const TABLES_BYTES = 16 * 256 * 4;
const WINDOW = 64 * 1024;
const PAGES = Math.ceil((TABLES_BYTES + WINDOW) / 65536);

// Opcodes (WebAssembly core spec, binary format).
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_LOAD = 0x28;
const I32_LOAD8_U = 0x2d;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I32 = 0x7f;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for the small non-negative constants used here. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Locals: 0 state, 1 pos, 2 end (params); 3 stop, 4..7 the four words of a 16-byte block.
const C = 0;
const P = 1;
const E = 2;
const STOP = 3;
const W = [4, 5, 6, 7];

const get = (l: number) => [LOCAL_GET, l];
const set = (l: number) => [LOCAL_SET, l];
const konst = (n: number) => [I32_CONST, ...sleb(n)];
/** Table `t` at byte index `x` (x already scaled by 4 and within 0..1020). */
const lookup = (t: number, x: number[]) => [...x, I32_LOAD, 2, ...uleb(t * 1024)];

/** Byte `k` (0 = lowest) of local `l`, scaled to a table offset: ((l >>> 8k) & 255) << 2. */
function byteOffset(l: number, k: number): number[] {
  if (k === 0) return [...get(l), ...konst(255), I32_AND, ...konst(2), I32_SHL];
  if (k === 3) return [...get(l), ...konst(24), I32_SHR_U, ...konst(2), I32_SHL];
  return [...get(l), ...konst(8 * k - 2), I32_SHR_U, ...konst(1020), I32_AND];
}

function body(): number[] {
  const code: number[] = [];
  // stop = end - ((end - pos) & 15)
  code.push(...get(E), ...get(E), ...get(P), I32_SUB, ...konst(15), I32_AND, I32_SUB, ...set(STOP));
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(...get(P), ...get(STOP), I32_GE_U, BR_IF, 1);
  // w0 = state ^ load(pos); w1..w3 = load(pos + 4i)
  code.push(...get(C), ...get(P), I32_LOAD, 2, 0, I32_XOR, ...set(W[0]));
  for (let i = 1; i < 4; i++) code.push(...get(P), I32_LOAD, 2, ...uleb(4 * i), ...set(W[i]));
  // Byte j of the block (0..15) goes through table 15 - j.
  let first = true;
  for (let j = 0; j < 16; j++) {
    code.push(...lookup(15 - j, byteOffset(W[j >> 2], j & 3)));
    if (!first) code.push(I32_XOR);
    first = false;
  }
  code.push(...set(C));
  code.push(...get(P), ...konst(16), I32_ADD, ...set(P), BR, 0, END, END);
  // Tail, a byte at a time: state = T0[(state ^ byte) & 255] ^ (state >>> 8)
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(...get(P), ...get(E), I32_GE_U, BR_IF, 1);
  code.push(...get(C), ...get(P), I32_LOAD8_U, 0, 0, I32_XOR, ...konst(255), I32_AND, ...konst(2), I32_SHL, I32_LOAD, 2, 0);
  code.push(...get(C), ...konst(8), I32_SHR_U, I32_XOR, ...set(C));
  code.push(...get(P), ...konst(1), I32_ADD, ...set(P), BR, 0, END, END);
  code.push(...get(C), END);
  const locals = [1, 5, I32]; // one group: five i32 locals
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(PAGES)]),
    ...section(7, [2, ...name('crc'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...body()]),
  ];
  return Uint8Array.from(bytes);
}

/** The little of the WebAssembly global used here (this project's TS lib settings do not declare it). */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

export type CrcUpdate = (state: number, buf: Uint8Array, start: number, end: number) => number;

/**
 * A CRC update over `tables` (as built by buildSlicingTables) running in wasm, or null where
 * WebAssembly is unavailable. Same contract as crcUpdate: pre-inverted state in and out.
 */
export function wasmCrcUpdate(tables: Int32Array): CrcUpdate | null {
  const wasm = (globalThis as { WebAssembly?: WasmGlobal }).WebAssembly;
  if (wasm === undefined) return null;
  let crc: (state: number, pos: number, end: number) => number;
  let mem: Uint8Array;
  try {
    const exports = new wasm.Instance(new wasm.Module(moduleBytes())).exports as { crc: typeof crc; mem: { buffer: ArrayBuffer } };
    crc = exports.crc;
    mem = new Uint8Array(exports.mem.buffer);
  } catch {
    return null;
  }
  // Tables are stored little-endian, as wasm loads them; Int32Array is platform-endian.
  const view = new DataView(mem.buffer);
  for (let i = 0; i < tables.length; i++) view.setInt32(i * 4, tables[i], true);
  return (state, buf, start, end) => {
    let c = state;
    for (let at = start; at < end; at += WINDOW) {
      const stop = Math.min(end, at + WINDOW);
      mem.set(buf.subarray(at, stop), TABLES_BYTES);
      c = crc(c, TABLES_BYTES, TABLES_BYTES + stop - at);
    }
    return c;
  };
}

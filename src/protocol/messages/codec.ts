import { EncodingError, KafkaError, messageOf } from '../../errors.js';
import { ErrorCode } from '../error-codes.js';
import { Reader, Writer } from '../primitives.js';
import { inRange, type FieldDecl, type FieldType, type MessageDecl } from './schema.js';

/**
 * The engine: turns a message declaration into a reader and a writer for one version, built once
 * from closures specialised to that version (no per-field version checks at run time) and cached.
 */

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY = Buffer.alloc(0);

type Obj = Record<string, unknown>;

interface ValueCodec {
  read(r: Reader): unknown;
  write(w: Writer, v: unknown): void;
  /** Fewest bytes one encoded value takes; bounds array counts before allocation. */
  readonly minSize: number;
}

export interface MessageCodec {
  read(r: Reader): Obj;
  write(w: Writer, v: unknown): void;
}

const cache = new WeakMap<MessageDecl, Map<number, MessageCodec>>();

/** The codec of `decl` at `version`, compiled on first use. */
export function messageCodec(decl: MessageDecl, version: number): MessageCodec {
  let byVersion = cache.get(decl);
  if (byVersion === undefined) {
    byVersion = new Map();
    cache.set(decl, byVersion);
  }
  let codec = byVersion.get(version);
  if (codec === undefined) {
    if (!inRange(decl.validVersions, version)) {
      throw new KafkaError(
        `${decl.name} v${version} is not supported (v${decl.validVersions[0]}-v${decl.validVersions[1]})`,
        { code: ErrorCode.UNSUPPORTED_VERSION },
      );
    }
    const flexible = decl.flexibleFrom !== null && version >= decl.flexibleFrom;
    codec = structCodec(decl.name, decl.fields, version, flexible);
    byVersion.set(version, codec);
  }
  return codec;
}

/** Decode one message body; throws KafkaProtocolError on bytes that do not decode. */
export function decodeMessage(decl: MessageDecl, version: number, input: Reader | Uint8Array): Obj {
  const codec = messageCodec(decl, version);
  const r = input instanceof Reader ? input : new Reader(input);
  return codec.read(r);
}

/** Encode one message body, appending to `writer` when given; returns the bytes appended. */
export function encodeMessage(decl: MessageDecl, version: number, body: unknown, writer?: Writer): Buffer {
  const codec = messageCodec(decl, version);
  const w = writer ?? new Writer();
  const start = w.length;
  try {
    codec.write(w, body);
  } catch (e) {
    if (e instanceof KafkaError) throw e;
    throw new EncodingError(`cannot encode ${decl.name} v${version}: ${messageOf(e)}`, e);
  }
  return w.slice(start);
}

// ---------------------------------------------------------------------------------------------
// Defaults

/** A fresh default value for a field (fresh because arrays and structs are mutable). */
export function defaultOf(field: FieldDecl): unknown {
  const d = field.default;
  const t = field.type;
  if (typeof t === 'object') {
    if (d === null) return null;
    if ('array' in t) return [];
    return defaultStruct(t.struct);
  }
  switch (t) {
    case 'int64':
      return d === undefined ? 0n : BigInt(d as number | bigint | string);
    case 'bool':
      return d === undefined ? false : d === true || d === 'true';
    case 'string':
      return d === undefined ? '' : d === null ? null : String(d);
    case 'bytes':
      return d === null ? null : EMPTY;
    case 'records':
      return null;
    case 'uuid':
      return d === null ? null : ZERO_UUID;
    default:
      return d === undefined ? 0 : Number(d);
  }
}

export function defaultStruct(fields: readonly FieldDecl[]): Obj {
  const o: Obj = {};
  for (const f of fields) o[f.name] = defaultOf(f);
  return o;
}

/** A function giving the field's default: a shared constant for immutable values, fresh otherwise. */
function defaultMaker(field: FieldDecl): () => unknown {
  const d = defaultOf(field);
  if (d !== null && typeof d === 'object' && d !== EMPTY) return () => defaultOf(field);
  return () => d;
}

/** Whether `v` equals the field's default (tagged fields are only written when it does not). */
function isDefault(field: FieldDecl, v: unknown): boolean {
  if (v === undefined) return true;
  const t = field.type;
  const d = defaultOf(field);
  if (d === null || v === null) return d === v;
  if (typeof t === 'object') {
    if ('array' in t) return Array.isArray(v) && v.length === 0;
    const o = v as Obj;
    return t.struct.every((f) => isDefault(f, o[f.name]));
  }
  if (t === 'int64') return BigInt(v as bigint | number) === d;
  if (t === 'bytes') return (v as Uint8Array).length === 0;
  return v === d;
}

// ---------------------------------------------------------------------------------------------
// Value codecs

function primitive(read: (r: Reader) => unknown, write: (w: Writer, v: unknown) => void, minSize: number): ValueCodec {
  return { read, write, minSize };
}

const int8 = primitive((r) => r.int8(), (w, v) => w.int8(v as number), 1);
const int16 = primitive((r) => r.int16(), (w, v) => w.int16(v as number), 2);
const uint16 = primitive((r) => r.uint16(), (w, v) => w.uint16(v as number), 2);
const int32 = primitive((r) => r.int32(), (w, v) => w.int32(v as number), 4);
const uint32 = primitive((r) => r.uint32(), (w, v) => w.uint32(v as number), 4);
const int64 = primitive((r) => r.int64(), (w, v) => w.int64(v as bigint | number), 8);
const float64 = primitive((r) => r.float64(), (w, v) => w.float64(v as number), 8);
const bool = primitive((r) => r.bool(), (w, v) => w.bool(v as boolean), 1);

export function uuidToString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

export function uuidFromString(s: string): Buffer {
  const b = Buffer.from(s, 'base64url');
  if (b.length !== 16 || b.toString('base64url') !== s) throw new RangeError(`invalid uuid "${s}"`);
  return b;
}

function nullFail(r: Reader, what: string, at: number): never {
  return r.fail(`null ${what} where the version does not allow null`, at);
}

function nullWrite(what: string): never {
  throw new EncodingError(`null ${what} where the version does not allow null`);
}

function stringCodec(flexible: boolean, nullable: boolean, what: string): ValueCodec {
  if (flexible) {
    return {
      minSize: 1,
      read(r) {
        const at = r.offset;
        const s = r.compactString();
        return s === null && !nullable ? nullFail(r, what, at) : s;
      },
      write(w, v) {
        if (v === null && !nullable) nullWrite(what);
        w.compactString(v as string | null);
      },
    };
  }
  return {
    minSize: 2,
    read(r) {
      const at = r.offset;
      const s = r.string();
      return s === null && !nullable ? nullFail(r, what, at) : s;
    },
    write(w, v) {
      if (v === null && !nullable) nullWrite(what);
      w.string(v as string | null);
    },
  };
}

const EMPTY_BYTES = Buffer.alloc(0);

function bytesCodec(flexible: boolean, nullable: boolean, what: string): ValueCodec {
  return {
    minSize: flexible ? 1 : 4,
    read(r) {
      // A view into the input, never a copy: Fetch responses carry megabytes of records here.
      const b = flexible ? r.compactBytes() : r.bytes();
      // Null where the version allows none reads as empty: librdkafka 2.0's mock cluster answers
      // SyncGroup with a null assignment for a member given nothing, and librdkafka reads it so.
      return b === null && !nullable ? EMPTY_BYTES : b;
    },
    write(w, v) {
      if (v === null && !nullable) nullWrite(what);
      if (flexible) w.compactBytes(v as Uint8Array | null);
      else w.bytes(v as Uint8Array | null);
    },
  };
}

const uuid: ValueCodec = {
  minSize: 16,
  read: (r) => uuidToString(r.uuid()),
  write: (w, v) => w.uuid(uuidFromString(v as string)),
};

function arrayCodec(element: ValueCodec, flexible: boolean, nullable: boolean, what: string): ValueCodec {
  const min = Math.max(1, element.minSize);
  return {
    minSize: flexible ? 1 : 4,
    read(r) {
      const at = r.offset;
      const n = flexible ? r.compactArrayLength(min) : r.arrayLength(min);
      if (n === null) return nullable ? null : nullFail(r, what, at);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = element.read(r);
      return out;
    },
    write(w, v) {
      if (v === null) {
        if (!nullable) nullWrite(what);
        if (flexible) w.compactArrayLength(null);
        else w.arrayLength(null);
        return;
      }
      const a = v as readonly unknown[];
      if (flexible) w.compactArrayLength(a.length);
      else w.arrayLength(a.length);
      for (const e of a) element.write(w, e);
    },
  };
}

/** Nullable structs carry a one-byte marker: -1 for null, 1 for present. */
function nullableStruct(inner: MessageCodec & { minSize: number }, what: string): ValueCodec {
  return {
    minSize: 1,
    read(r) {
      const at = r.offset;
      const marker = r.int8();
      if (marker < 0) return null;
      if (marker !== 1) r.fail(`bad presence marker ${marker} for ${what}`, at);
      return inner.read(r);
    },
    write(w, v) {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      inner.write(w, v);
    },
  };
}

function valueCodec(type: FieldType, version: number, flexible: boolean, nullable: boolean, what: string): ValueCodec {
  if (typeof type === 'object') {
    if ('array' in type) {
      return arrayCodec(valueCodec(type.array, version, flexible, false, what), flexible, nullable, what);
    }
    const inner = structCodec(what, type.struct, version, flexible);
    return nullable ? nullableStruct(inner, what) : inner;
  }
  switch (type) {
    case 'int8':
      return int8;
    case 'int16':
      return int16;
    case 'uint16':
      return uint16;
    case 'int32':
      return int32;
    case 'uint32':
      return uint32;
    case 'int64':
      return int64;
    case 'float64':
      return float64;
    case 'bool':
      return bool;
    case 'uuid':
      return uuid;
    case 'string':
      return stringCodec(flexible, nullable, what);
    case 'bytes':
    case 'records':
      return bytesCodec(flexible, nullable || type === 'records', what);
  }
}

// ---------------------------------------------------------------------------------------------
// Structs (a message body is the outermost struct)

interface CompiledField {
  readonly decl: FieldDecl;
  readonly name: string;
  readonly codec: ValueCodec;
  readonly makeDefault: () => unknown;
}

function structCodec(
  path: string,
  fields: readonly FieldDecl[],
  version: number,
  flexible: boolean,
): MessageCodec & { minSize: number } {
  const inline: CompiledField[] = [];
  const tagged = new Map<number, CompiledField>();
  for (const decl of fields) {
    if (!inRange(decl.versions, version)) continue;
    const what = `${path}.${decl.name}`;
    const isTagged = flexible && decl.tag !== undefined && inRange(decl.taggedVersions, version);
    const compiled: CompiledField = {
      decl,
      name: decl.name,
      codec: valueCodec(decl.type, version, flexible, inRange(decl.nullableVersions, version), what),
      makeDefault: defaultMaker(decl),
    };
    if (isTagged) tagged.set(decl.tag, compiled);
    else inline.push(compiled);
  }
  const taggedInOrder = [...tagged.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  const inlineByName = new Map(inline.map((f) => [f.name, f.codec]));
  // Steps in declaration order, so every decoded object of a message has one shape.
  const plan = fields.map((decl) => ({ name: decl.name, codec: inlineByName.get(decl.name), makeDefault: defaultMaker(decl) }));
  const minSize = inline.reduce((n, f) => n + f.codec.minSize, 0) + (flexible ? 1 : 0);

  const build = objectBuilder(plan);
  const read = (r: Reader): Obj => {
    const o = build(r);
    if (flexible) readTagged(r, tagged, o);
    return o;
  };

  const write = (w: Writer, v: unknown): void => {
    const o = (v ?? {}) as Obj;
    for (let i = 0; i < inline.length; i++) {
      const f = inline[i];
      const x = o[f.name];
      f.codec.write(w, x === undefined ? f.makeDefault() : x);
    }
    if (flexible) {
      if (taggedInOrder.length === 0) w.uvarint(0);
      else writeTagged(w, taggedInOrder, o);
    }
  };

  return { read, write, minSize };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

interface Step {
  readonly name: string;
  readonly codec: ValueCodec | undefined;
  readonly makeDefault: () => unknown;
}

/**
 * Builds a struct's decoder as one object literal with its keys written out, so V8 gives every
 * decoded object of that struct one fixed shape (keyed stores into `{}` are several times
 * slower). The source text contains only field names from our own declarations, checked to be
 * plain identifiers, and indexes into `steps`; values never reach it.
 */
function objectBuilder(steps: readonly Step[]): (r: Reader) => Obj {
  for (const s of steps) if (!IDENTIFIER.test(s.name)) throw new KafkaError(`bad field name ${JSON.stringify(s.name)} in a message declaration`);
  const props = steps.map((s, i) =>
    s.codec === undefined ? `${s.name}: steps[${i}].makeDefault()` : `${s.name}: steps[${i}].codec.read(r)`,
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: trusted, checked source
  const make = new Function('steps', `return function read(r) { return { ${props.join(', ')} }; };`) as (
    steps: readonly Step[],
  ) => (r: Reader) => Obj;
  return make(steps);
}

function readTagged(r: Reader, tagged: ReadonlyMap<number, CompiledField>, into: Obj): void {
  const start = r.offset;
  const count = r.uvarint();
  // Each tagged field takes at least two bytes (tag and size).
  if (count * 2 > r.remaining) r.fail(`tagged field count ${count} exceeds the ${r.remaining} bytes remaining`, start);
  let last = -1;
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const tag = r.uvarint();
    if (tag <= last) r.fail(`tagged field ${tag} out of order`, at);
    last = tag;
    const size = r.uvarint();
    const body = r.sub(size);
    const f = tagged.get(tag);
    // Unknown tags are skipped, as the protocol intends: they belong to newer peers.
    if (f !== undefined) into[f.name] = f.codec.read(body);
  }
}

function writeTagged(w: Writer, inOrder: readonly CompiledField[], o: Obj): void {
  const present = inOrder.filter((f) => {
    const v = o[f.name];
    return v !== undefined && !isDefault(f.decl, v);
  });
  w.uvarint(present.length);
  for (const f of present) {
    const tmp = new Writer(64);
    f.codec.write(tmp, o[f.name]);
    w.uvarint(f.decl.tag as number);
    w.uvarint(tmp.length);
    w.raw(tmp.toBuffer());
  }
}

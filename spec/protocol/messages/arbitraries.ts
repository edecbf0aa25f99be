import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { defaultOf } from '../../../src/protocol/messages/codec.js';
import type { FieldDecl, FieldType, MessageDecl } from '../../../src/protocol/messages/schema.js';

/**
 * Arbitraries derived from the declarations themselves: a value for a message at one version,
 * respecting which fields exist and which may be null there, plus the value a decoder must give
 * back for it (absent fields at their defaults).
 */

type Obj = Record<string, unknown>;

const inRange = (r: readonly [number, number] | undefined, v: number): boolean =>
  r !== undefined && v >= r[0] && v <= r[1];

function primitiveArb(type: string): Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 12 });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

function typeArb(type: FieldType, version: number, depth: number): Arbitrary<unknown> {
  if (typeof type === 'string') return primitiveArb(type);
  if ('array' in type) return fc.array(typeArb(type.array, version, depth + 1), { maxLength: depth > 1 ? 1 : 3 });
  return structArb(type.struct, version, depth + 1);
}

function fieldArb(f: FieldDecl, version: number, depth: number): Arbitrary<unknown> {
  const value = typeArb(f.type, version, depth);
  const nullable = inRange(f.nullableVersions, version) || f.type === 'records';
  return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
}

export function structArb(fields: readonly FieldDecl[], version: number, depth = 0): Arbitrary<Obj> {
  const shape: Record<string, Arbitrary<unknown>> = {};
  for (const f of fields) {
    // Fields outside the version are sometimes given anyway: the encoder must ignore them.
    shape[f.name] = inRange(f.versions, version)
      ? fieldArb(f, version, depth)
      : fc.option(fieldArb(f, f.versions[0], depth), { nil: undefined, freq: 2 });
  }
  return fc.record(shape, { requiredKeys: [] }).map((o) => {
    // Missing present fields are filled by the encoder's defaults; keep the arbitrary honest by
    // leaving some out.
    return o;
  });
}

export function messageArb(decl: MessageDecl, version: number): Arbitrary<Obj> {
  return structArb(decl.fields, version);
}

/** What decoding the encoding of `input` at `version` must return. */
export function expectedDecode(fields: readonly FieldDecl[], version: number, input: Obj | undefined): Obj {
  const out: Obj = {};
  for (const f of fields) {
    const given = input?.[f.name];
    out[f.name] = inRange(f.versions, version) && given !== undefined ? expectedValue(f.type, version, given) : defaultOf(f);
  }
  return out;
}

function expectedValue(type: FieldType, version: number, v: unknown): unknown {
  if (v === null || typeof type === 'string') return v;
  if ('array' in type) return (v as unknown[]).map((e) => expectedValue(type.array, version, e));
  return expectedDecode(type.struct, version, v as Obj);
}

/** Every (version) of a declaration. */
export function versionsOf(decl: MessageDecl): number[] {
  const out: number[] = [];
  for (let v = decl.validVersions[0]; v <= decl.validVersions[1]; v++) out.push(v);
  return out;
}

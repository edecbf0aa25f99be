import type { Reader, Writer } from '../primitives.js';

/**
 * The declaration format every API file is written in: plain data, one per message, from which
 * the codec engine derives all four directions. Version ranges are inclusive [min, max];
 * `Infinity` as max means "this and every later version".
 */

export type VersionRange = readonly [min: number, max: number];

export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export type FieldType =
  | PrimitiveType
  | { readonly array: FieldType }
  | { readonly struct: readonly FieldDecl[] };

/** A default as Kafka's JSON writes it, already parsed: null only for nullable fields. */
export type DefaultValue = number | bigint | boolean | string | null;

export interface FieldDecl {
  /** camelCase, as it appears in the TypeScript message objects. */
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions?: VersionRange;
  readonly taggedVersions?: VersionRange;
  readonly tag?: number;
  readonly default?: DefaultValue;
}

export interface MessageDecl {
  readonly name: string;
  readonly apiKey: number;
  readonly validVersions: VersionRange;
  /** First flexible (compact encodings + tagged fields) version, or null if none is. */
  readonly flexibleFrom: number | null;
  readonly fields: readonly FieldDecl[];
}

/**
 * What callers may pass to an encoder: every field optional (absent = declared default),
 * int64 also as a number, recursively.
 */
export type Input<T> = T extends Buffer
  ? T
  : T extends bigint
    ? bigint | number
    : T extends readonly (infer E)[]
      ? Input<E>[]
      : T extends object
        ? { [K in keyof T]?: Input<T[K]> }
        : T;

/**
 * One API: its request and response, each usable in both directions. Encoders return the bytes
 * they wrote; when given a Writer they append to it and return a view of what they appended
 * (valid until that Writer grows). Fields given for a version they are not part of are ignored,
 * as Kafka's own serializer does for ignorable fields.
 */
export interface Api<Req = unknown, Res = unknown> {
  readonly name: string;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly flexibleFrom: number | null;
  readonly request: MessageDecl;
  readonly response: MessageDecl;
  encodeRequest(this: void, version: number, body: Input<Req>, writer?: Writer): Buffer;
  decodeRequest(this: void, version: number, input: Reader | Uint8Array): Req;
  encodeResponse(this: void, version: number, body: Input<Res>, writer?: Writer): Buffer;
  decodeResponse(this: void, version: number, input: Reader | Uint8Array): Res;
}

/**
 * Any API, for registries and frames where the message type is only known at run time.
 * (Method parameters are bivariant, so every `Api<Req, Res>` is assignable to it.)
 */
export type AnyApi = Api<unknown, unknown>;

/** True when `v` lies in the inclusive range. */
export function inRange(range: VersionRange | undefined, v: number): boolean {
  return range !== undefined && v >= range[0] && v <= range[1];
}

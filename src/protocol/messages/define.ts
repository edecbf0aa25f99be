import { decodeMessage, encodeMessage } from './codec.js';
import type { Api, Input, MessageDecl } from './schema.js';
import { Reader, Writer } from '../primitives.js';

/** Ties a request and a response declaration into the one object every layer uses. */
export function defineApi<Req, Res>(name: string, request: MessageDecl, response: MessageDecl): Api<Req, Res> {
  return Object.freeze({
    name,
    apiKey: request.apiKey,
    minVersion: request.validVersions[0],
    maxVersion: request.validVersions[1],
    flexibleFrom: request.flexibleFrom,
    request,
    response,
    encodeRequest: (version: number, body: Input<Req>, writer?: Writer) =>
      encodeMessage(request, version, body, writer),
    decodeRequest: (version: number, input: Reader | Uint8Array) => decodeMessage(request, version, input) as Req,
    encodeResponse: (version: number, body: Input<Res>, writer?: Writer) =>
      encodeMessage(response, version, body, writer),
    decodeResponse: (version: number, input: Reader | Uint8Array) => decodeMessage(response, version, input) as Res,
  });
}

/**
 * A versioned data structure carried inside other messages' bytes fields (e.g. the consumer
 * protocol's subscription and assignment inside JoinGroup/SyncGroup). Its serialized form is an
 * int16 version followed by the struct; a newer version than we know is read as our newest, as
 * Kafka does, since such versions only append fields.
 */
export interface DataCodec<T> {
  readonly name: string;
  readonly decl: MessageDecl;
  readonly minVersion: number;
  readonly maxVersion: number;
  encode(this: void, version: number, body: Input<T>, writer?: Writer): Buffer;
  decode(this: void, version: number, input: Reader | Uint8Array): T;
  /** int16 version prefix + body. */
  encodeVersioned(this: void, version: number, body: Input<T>): Buffer;
  decodeVersioned(this: void, input: Uint8Array): { version: number; body: T };
}

export function defineData<T>(decl: MessageDecl): DataCodec<T> {
  const [minVersion, maxVersion] = decl.validVersions;
  return Object.freeze({
    name: decl.name,
    decl,
    minVersion,
    maxVersion,
    encode: (version: number, body: Input<T>, writer?: Writer) => encodeMessage(decl, version, body, writer),
    decode: (version: number, input: Reader | Uint8Array) => decodeMessage(decl, version, input) as T,
    encodeVersioned(version: number, body: Input<T>): Buffer {
      const w = new Writer(64);
      w.int16(version);
      encodeMessage(decl, version, body, w);
      return w.toBuffer();
    },
    decodeVersioned(input: Uint8Array): { version: number; body: T } {
      const r = new Reader(input);
      const version = r.int16();
      if (version < minVersion) r.fail(`${decl.name} version ${version} below ${minVersion}`, 0);
      return { version, body: decodeMessage(decl, Math.min(version, maxVersion), r) as T };
    },
  });
}

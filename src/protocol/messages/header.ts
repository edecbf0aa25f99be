import { KafkaError, KafkaProtocolError } from '../../errors.js';
import { ErrorCode } from '../error-codes.js';
import { Reader, Writer } from '../primitives.js';
import { apisByKey } from './registry.js';
import type { AnyApi, Api, Input } from './schema.js';

/**
 * Request and response headers, and whole frames (size prefix + header + body).
 *
 * Request header v0: apiKey int16, apiVersion int16, correlationId int32;
 * v1 adds clientId (a nullable classic string, even in flexible versions); v2 adds tagged fields.
 * Response header v0: correlationId int32; v1 adds tagged fields.
 */

const API_VERSIONS = 18;
const CONTROLLED_SHUTDOWN = 7;

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const api = apisByKey.get(apiKey);
  return api !== undefined && api.flexibleFrom !== null && apiVersion >= api.flexibleFrom;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  // ControlledShutdown v0 predates the client id field.
  if (apiKey === CONTROLLED_SHUTDOWN && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  // ApiVersions answers keep header v0 so a client can read them before it knows what the broker
  // speaks.
  if (apiKey === API_VERSIONS) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function writeRequestHeader(w: Writer, header: RequestHeader): void {
  const v = requestHeaderVersion(header.apiKey, header.apiVersion);
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId);
  if (v >= 1) w.string(header.clientId);
  if (v >= 2) w.uvarint(0);
}

/**
 * Reads a request header. For an api key we do not know, the flexible-or-not question has no
 * answer, so only the v1 part is read (that is all a broker needs to answer UNSUPPORTED_VERSION).
 */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const api = apisByKey.get(apiKey);
  const known = api !== undefined && apiVersion >= api.minVersion && apiVersion <= api.maxVersion;
  const v = known ? requestHeaderVersion(apiKey, apiVersion) : apiKey === CONTROLLED_SHUTDOWN && apiVersion === 0 ? 0 : 1;
  const clientId = v >= 1 ? r.string() : null;
  if (v >= 2) r.taggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

function checkVersion(api: AnyApi, version: number): void {
  if (version < api.minVersion || version > api.maxVersion) {
    throw new KafkaError(`${api.name} v${version} is not supported (v${api.minVersion}-v${api.maxVersion})`, {
      code: ErrorCode.UNSUPPORTED_VERSION,
    });
  }
}

/** A complete request frame, 4-byte size prefix included, ready for the socket. */
export function encodeRequestFrame<Req, Res>(
  api: Api<Req, Res>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Input<Req>,
): Buffer {
  checkVersion(api, version);
  const w = new Writer(256);
  const sizeAt = w.reserve(4);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId });
  api.encodeRequest(version, body, w);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}

/** Byte fields at least this long are written by reference, not copied into the frame. */
const BY_REFERENCE_FROM = 64 * 1024;

/** A Writer that keeps large raw byte runs aside (with their position) instead of copying them. */
class ReferencingWriter extends Writer {
  readonly refs: Array<{ at: number; data: Uint8Array }> = [];
  refBytes = 0;

  override raw(v: Uint8Array): this {
    if (v.length < BY_REFERENCE_FROM) return super.raw(v);
    this.refs.push({ at: this.length, data: v });
    this.refBytes += v.length;
    return this;
  }
}

/**
 * The frame encodeRequestFrame gives, as chunks to write in order: byte fields of 64 KiB or
 * more (a Produce request's record batches) are referenced rather than copied into one frame
 * buffer, which saves a copy and a frame-sized allocation per request. The referenced buffers
 * must not change until written.
 */
export function encodeRequestFrameChunks<Req, Res>(
  api: Api<Req, Res>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Input<Req>,
): Uint8Array[] {
  checkVersion(api, version);
  const w = new ReferencingWriter(256);
  const sizeAt = w.reserve(4);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId });
  api.encodeRequest(version, body, w);
  w.patchInt32(sizeAt, w.length + w.refBytes - 4);
  const own = w.toBuffer();
  if (w.refs.length === 0) return [own];
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const { at, data } of w.refs) {
    if (at > from) chunks.push(own.subarray(from, at));
    chunks.push(data);
    from = at;
  }
  if (from < own.length) chunks.push(own.subarray(from));
  return chunks;
}

/** A complete response frame, 4-byte size prefix included (the mock broker's side). */
export function encodeResponseFrame<Req, Res>(
  api: Api<Req, Res>,
  version: number,
  correlationId: number,
  body: Input<Res>,
): Buffer {
  checkVersion(api, version);
  const w = new Writer(256);
  const sizeAt = w.reserve(4);
  w.int32(correlationId);
  if (responseHeaderVersion(api.apiKey, version) >= 1) w.uvarint(0);
  api.encodeResponse(version, body, w);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}

/** Decodes a response payload (the frame without its size prefix). */
export function decodeResponseFrame<Req, Res>(
  api: Api<Req, Res>,
  version: number,
  payload: Uint8Array,
): { correlationId: number; body: Res } {
  const r = new Reader(payload);
  const correlationId = r.int32();
  if (responseHeaderVersion(api.apiKey, version) >= 1) r.taggedFields();
  return { correlationId, body: api.decodeResponse(version, r) };
}

/** The correlation id of a response payload, read without decoding anything else. */
export function peekCorrelationId(payload: Uint8Array): number {
  if (payload.length < 4) throw new KafkaProtocolError('response shorter than its correlation id', payload.length);
  return Buffer.from(payload.buffer, payload.byteOffset, 4).readInt32BE(0);
}

export type RequestFrame =
  | (RequestHeader & { ok: true; api: AnyApi; body: unknown })
  | (RequestHeader & {
      ok: false;
      /** unknown-api: no such api key; unsupported-version: outside our range; malformed: body did not decode. */
      reason: 'unknown-api' | 'unsupported-version' | 'malformed';
      api: AnyApi | undefined;
      error: KafkaError;
    });

/**
 * Decodes a request payload (the frame without its size prefix), for the broker side. Only a
 * header too short to read throws; every other problem is returned with the header, so the
 * caller can still answer with the right correlation id.
 */
export function decodeRequestFrame(payload: Uint8Array): RequestFrame {
  const r = new Reader(payload);
  const header = readRequestHeader(r);
  const api = apisByKey.get(header.apiKey);
  if (api === undefined) {
    const error = new KafkaError(`unknown api key ${header.apiKey}`, { code: ErrorCode.UNSUPPORTED_VERSION });
    return { ...header, ok: false, reason: 'unknown-api', api, error };
  }
  if (header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
    const error = new KafkaError(`${api.name} v${header.apiVersion} is not supported`, { code: ErrorCode.UNSUPPORTED_VERSION });
    return { ...header, ok: false, reason: 'unsupported-version', api, error };
  }
  try {
    return { ...header, ok: true, api, body: api.decodeRequest(header.apiVersion, r) };
  } catch (e) {
    if (!(e instanceof KafkaError)) throw e;
    return { ...header, ok: false, reason: 'malformed', api, error: e };
  }
}

/** Narrows a decoded request frame to one API, typing its body. */
export function isRequestFor<Req, Res>(
  frame: RequestFrame,
  api: Api<Req, Res>,
): frame is RequestHeader & { ok: true; api: Api<Req, Res>; body: Req } {
  return frame.ok && frame.apiKey === api.apiKey;
}

/**
 * Kafka's messages, declared once per API (generated from Kafka's own definitions) and
 * encoded/decoded in all four directions by one engine.
 */
export * from './generated/index.js';
export type { Api, AnyApi, FieldDecl, FieldType, Input, MessageDecl, PrimitiveType, VersionRange } from './schema.js';
export { apis, apisByKey } from './registry.js';
export { defineApi, defineData, type DataCodec } from './define.js';
export { uuidFromString, uuidToString, ZERO_UUID } from './codec.js';
export {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  isRequestFor,
  peekCorrelationId,
  readRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  type RequestFrame,
  type RequestHeader,
} from './header.js';

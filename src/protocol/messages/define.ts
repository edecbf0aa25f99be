import { decodeMessage, encodeMessage } from './codec.js';
import type { Api, Input, MessageDecl } from './schema.js';
import type { Reader, Writer } from '../primitives.js';

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

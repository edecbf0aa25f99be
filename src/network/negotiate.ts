import { map, Observable, switchMap, of } from 'rxjs';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeResponseFrame, type Api, type Input } from '../protocol/messages/index.js';
import { UnsupportedVersionError } from './errors.js';
import type { Connection } from './connection.js';

export interface VersionRange {
  min: number;
  max: number;
}

const SOFTWARE_NAME = 'rxkafka';
const SOFTWARE_VERSION = '0.1.0';

/** The highest version of `api` both sides know. */
export function pickVersion(
  broker: string,
  api: Api<unknown, unknown>,
  versions: ReadonlyMap<number, VersionRange>,
): number {
  const theirs = versions.get(api.apiKey);
  if (theirs === undefined) throw new UnsupportedVersionError(broker, api.name, 'the broker does not offer it');
  const version = Math.min(api.maxVersion, theirs.max);
  if (version < Math.max(api.minVersion, theirs.min)) {
    throw new UnsupportedVersionError(
      broker,
      api.name,
      `client ${api.minVersion}-${api.maxVersion}, broker ${theirs.min}-${theirs.max}`,
    );
  }
  return version;
}

interface ApiVersionsAnswer {
  errorCode: number;
  apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
}

/**
 * ApiVersions handshake: ask at our newest version; a broker that does not know it answers
 * UNSUPPORTED_VERSION in v0 form, naming the ApiVersions range it has, and we ask again there.
 */
export function negotiateApiVersions<Req, Res extends ApiVersionsAnswer>(
  connection: Pick<Connection, 'request' | 'broker'>,
  apiVersions: Api<Req, Res>,
): Observable<Map<number, VersionRange>> {
  const body = { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION } as Input<Req>;
  const ask = (version: number) => connection.request(apiVersions, body, { version });
  return ask(apiVersions.maxVersion).pipe(
    switchMap((res) => {
      if (res.errorCode !== ErrorCode.UNSUPPORTED_VERSION) return of(res);
      const theirs = res.apiKeys.find((k) => k.apiKey === apiVersions.apiKey);
      const retryAt = theirs === undefined ? 0 : Math.min(theirs.maxVersion, apiVersions.maxVersion);
      return ask(retryAt);
    }),
    map((res) => {
      if (res.errorCode !== 0) {
        throw new UnsupportedVersionError(connection.broker, 'ApiVersions', `error code ${res.errorCode}`);
      }
      return new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
    }),
  );
}

/**
 * Decodes an answer. Brokers answer an ApiVersions version they do not know in v0 form; some
 * (librdkafka's mock) send a body that does not decode even so, which still means "ask again
 * lower": read it as UNSUPPORTED_VERSION naming no range, so the handshake retries at v0.
 */
export function decodeAnswer<Req, Res>(api: Api<Req, Res>, sentVersion: number, payload: Buffer): Res {
  const unsupported =
    api.apiKey === 18 && sentVersion > 0 && payload.length >= 6 && payload.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION;
  if (!unsupported) return decodeResponseFrame(api, sentVersion, payload).body;
  try {
    return decodeResponseFrame(api, 0, payload).body;
  } catch {
    return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [] } as unknown as Res;
  }
}

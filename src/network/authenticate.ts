import { defer, expand, last, map, mergeMap, Observable, of, EMPTY } from 'rxjs';
import { SaslAuthenticate, SaslHandshake } from '../protocol/messages/index.js';
import type { Connection } from './connection.js';
import { createSaslAuthenticator, SaslAuthenticationError, type SaslCredentials, type SaslMechanism } from './sasl/index.js';

export interface SaslOptions extends SaslCredentials {
  mechanism: SaslMechanism;
}

/**
 * SASL on a fresh connection, after ApiVersions: SaslHandshake names the mechanism, then
 * SaslAuthenticate round trips carry the mechanism's messages until it is satisfied.
 * Errors never include the credentials.
 */
export function authenticate(connection: Pick<Connection, 'request' | 'broker'>, sasl: SaslOptions): Observable<void> {
  return defer(() => {
    const auth = createSaslAuthenticator(sasl.mechanism, sasl);
    const send = (bytes: Buffer) =>
      connection.request(SaslAuthenticate, { authBytes: bytes }).pipe(
        map((res) => {
          if (res.errorCode !== 0) {
            throw new SaslAuthenticationError(`${connection.broker}: ${res.errorMessage ?? `SASL ${sasl.mechanism} failed (error ${res.errorCode})`}`);
          }
          return auth.next(res.authBytes);
        }),
      );
    return connection.request(SaslHandshake, { mechanism: sasl.mechanism }).pipe(
      mergeMap((res) => {
        if (res.errorCode !== 0) {
          throw new SaslAuthenticationError(
            `${connection.broker}: SASL mechanism ${sasl.mechanism} refused (error ${res.errorCode}); broker offers ${res.mechanisms.join(', ') || 'none'}`,
          );
        }
        return send(auth.initial()).pipe(expand((reply) => (reply === null ? EMPTY : send(reply))), last());
      }),
      mergeMap(() => {
        auth.done();
        return of(undefined);
      }),
    );
  });
}

import { KafkaConfigError } from '../../errors.js';
import type { SaslAuthenticator, SaslCredentials, SaslMechanism } from './authenticator.js';
import { plainAuthenticator } from './plain.js';
import { scramAuthenticator } from './scram.js';

export type { SaslAuthenticator, SaslCredentials, SaslMechanism } from './authenticator.js';
export { SaslAuthenticationError } from './errors.js';

export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/**
 * A fresh authenticator for one connection's SASL exchange (each connection needs its own:
 * SCRAM nonces must never repeat). Rejects an unknown mechanism with KafkaConfigError.
 */
export function createSaslAuthenticator(mechanism: SaslMechanism, credentials: SaslCredentials): SaslAuthenticator {
  switch (mechanism) {
    case 'PLAIN':
      return plainAuthenticator(credentials);
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return scramAuthenticator(mechanism, credentials);
    default:
      throw new KafkaConfigError('sasl.mechanism', `unsupported mechanism ${String(mechanism)}; use one of ${SASL_MECHANISMS.join(', ')}`);
  }
}

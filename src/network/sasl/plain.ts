import { KafkaConfigError } from '../../errors.js';
import type { SaslAuthenticator, SaslCredentials } from './authenticator.js';
import { SaslAuthenticationError } from './errors.js';

/**
 * SASL PLAIN (RFC 4616): one message, "authzid NUL authcid NUL password", with an empty
 * authzid (act as oneself). The server proves nothing, so use it only over TLS.
 */
export function plainAuthenticator({ username, password }: SaslCredentials): SaslAuthenticator {
  if (username.includes('\0')) throw new KafkaConfigError('sasl.username', 'must not contain NUL');
  if (password.includes('\0')) throw new KafkaConfigError('sasl.password', 'must not contain NUL');
  let state: 'start' | 'sent' | 'complete' = 'start';
  return {
    mechanism: 'PLAIN',
    initial() {
      if (state !== 'start') throw new SaslAuthenticationError('PLAIN: initial message already sent');
      state = 'sent';
      return Buffer.from(`\0${username}\0${password}`, 'utf8');
    },
    next() {
      if (state !== 'sent') throw new SaslAuthenticationError('PLAIN: unexpected server message');
      // The server's answer carries no data; reaching here means it accepted.
      state = 'complete';
      return null;
    },
    done() {
      if (state !== 'complete') throw new SaslAuthenticationError('PLAIN: exchange not complete');
    },
  };
}

import { KafkaError } from '../../errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';

/**
 * SASL did not succeed: bad credentials, a server that could not prove it knows them, or a
 * malformed exchange. Never retriable with the same credentials; never carries them.
 */
export class SaslAuthenticationError extends KafkaError {
  override readonly name = 'SaslAuthenticationError' as const;
  constructor(message: string) {
    super(message, { code: ErrorCode.SASL_AUTHENTICATION_FAILED, retriable: false });
  }
}

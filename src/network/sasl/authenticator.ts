/** The SASL mechanisms the client speaks. */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * One SASL exchange as a pure state machine (no I/O). The caller sends `initial()`, then feeds
 * every server answer to `next()` and sends what it returns, until it returns null; then
 * `done()` confirms success. Each step throws SaslAuthenticationError when the exchange fails.
 */
export interface SaslAuthenticator {
  readonly mechanism: SaslMechanism;
  /** The client's first message. */
  initial(): Buffer;
  /** The reply to a server message, or null when the client has nothing more to send. */
  next(serverMessage: Buffer): Buffer | null;
  /** Throws unless the exchange completed (for SCRAM: the server's signature verified). */
  done(): void;
}

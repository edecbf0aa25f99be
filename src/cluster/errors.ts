import { KafkaError, messageOf } from '../errors.js';
import { CircuitOpenError } from '../operators/circuit-breaker.js';

/** What went wrong with a broker: through an open circuit, the failure that opened it. */
function realFailure(e: unknown): unknown {
  return e instanceof CircuitOpenError && e.cause !== undefined ? e.cause : e;
}

/** No broker of the bootstrap list or the known cluster answered, after every retry. */
export class AllBrokersUnavailableError extends KafkaError {
  override readonly name = 'AllBrokersUnavailableError' as const;
  /**
   * The last real failure seen from each broker tried, by address, in the order tried: a
   * connection refused, a timeout, a TLS or SASL error (never just "circuit open", which would
   * hide it). The message names the first.
   */
  readonly failures: ReadonlyMap<string, unknown>;

  constructor(failures: ReadonlyMap<string, unknown>) {
    const real = new Map([...failures].map(([address, e]) => [address, realFailure(e)]));
    // a connection error's message starts with its broker's address already
    const detail = [...real].map(([a, e]) => (messageOf(e).startsWith(a) ? messageOf(e) : `${a}: ${messageOf(e)}`));
    super(`no broker available: ${detail.join('; ')}`, { retriable: true, cause: real.values().next().value });
    this.failures = real;
  }
}

/** The client was closed; nothing more is sent. */
export class ClientClosedError extends KafkaError {
  override readonly name = 'ClientClosedError' as const;
  constructor() {
    super('client is closed');
  }
}

import { KafkaError } from '../errors.js';

/** No broker of the bootstrap list or the known cluster answered, after every retry. */
export class AllBrokersUnavailableError extends KafkaError {
  /** The last failure seen from each broker tried, by address. */
  readonly failures: ReadonlyMap<string, unknown>;

  constructor(failures: ReadonlyMap<string, unknown>) {
    const detail = [...failures].map(([a, e]) => `${a}: ${e instanceof Error ? e.message : String(e)}`).join('; ');
    super(`no broker available (${detail})`, { retriable: true });
    this.failures = failures;
  }
}

/** The client was closed; nothing more is sent. */
export class ClientClosedError extends KafkaError {
  constructor() {
    super('client is closed');
  }
}

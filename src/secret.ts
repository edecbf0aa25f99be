import { inspect } from 'node:util';

/**
 * A value that util.inspect, console.log and JSON.stringify do not reach (credentials): it sits
 * in a private field, and what inspection shows is `shown(value)`, the parts that are no secret.
 */
export class Secret<T> {
  readonly #value: T;
  readonly #shown: (value: T) => unknown;

  constructor(value: T, shown: (value: T) => unknown = () => REDACTED) {
    this.#value = value;
    this.#shown = shown;
  }

  reveal(): T {
    return this.#value;
  }

  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `Secret ${inspectFn(this.#shown(this.#value), { ...options, depth })}`;
  }

  toJSON(): unknown {
    return this.#shown(this.#value);
  }
}

export const REDACTED = '[redacted]';

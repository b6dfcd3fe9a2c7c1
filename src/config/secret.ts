/**
 * A configured secret (a client secret, a static token). It prints as `[secret]` in logs, JSON and
 * util.inspect, so passing the configuration around can never leak it; `reveal()` is the one way out.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

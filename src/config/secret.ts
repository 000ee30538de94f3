import { inspect } from 'node:util';

/**
 * A credential read from the environment. Only `reveal()` gives the value; printing,
 * logging, `JSON.stringify` or `util.inspect` of anything holding it shows a placeholder, so
 * the config object can be dumped while debugging without leaking the token.
 */
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

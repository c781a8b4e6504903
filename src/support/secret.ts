import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A secret value that cannot be printed by accident: `String()`, JSON, `util.inspect` and
 * template literals all give `[REDACTED]`. Only `reveal()` returns the value, at the one place
 * that must send it.
 * @example const password = new SecretValue(text); JSON.stringify({ password }) // {"password":"[REDACTED]"}
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export const REDACTED_TEXT = REDACTED;

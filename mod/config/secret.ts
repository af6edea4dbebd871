import { randomBytes } from "node:crypto";

/**
 * Masks a secret for display: `ab12…ef90`, or `***` when shorter than 12 characters,
 * or the empty string when there is no secret at all.
 */
export function mask(value: string): string {
  if (value === "") return "";
  if (value.length < 12) return "***";
  return `${value.slice(0, 4)}…${value.slice(-4)}`;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A secret value (token, API key). Every way of printing it masks it, so a stray log
 * line, `JSON.stringify` or template string cannot leak it. Only code that compares or
 * sends the secret calls `reveal()`: `grep -rn "reveal()" mod/` is the audit.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value. Call only to compare in constant time or to send it where it belongs. */
  reveal(): string {
    return this.#value;
  }

  /** Whether a value is set (non-empty). */
  get isSet(): boolean {
    return this.#value !== "";
  }

  /** The masked form. */
  toString(): string {
    return mask(this.#value);
  }

  /** The masked form, for `JSON.stringify`. */
  toJSON(): string {
    return mask(this.#value);
  }

  /** The masked form, for `console.log` and `util.inspect`. */
  [INSPECT](): string {
    return mask(this.#value);
  }
}

/** A new random token: `bytes` bytes from the CSPRNG as lowercase hex (64 characters by default). */
export function generateToken(bytes = 32): string {
  return randomBytes(bytes).toString("hex");
}

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

const SPECIAL_SCHEMES = new Set(["http:", "https:", "ws:", "wss:", "ftp:", "file:"]);

/**
 * Masks the credentials (`user:pass@`) of a URL for display, like a secret; a URL without
 * credentials comes back unchanged. A value that is not a URL but has an `@` is masked up to
 * its last `@`, so a malformed URL cannot leak either.
 *
 * @param value The URL as configured.
 * @returns The URL safe to print.
 * @example
 * maskUrlCredentials("http://user:pass@llm.local:8080/v1"); // "http://***:***@llm.local:8080/v1"
 */
export function maskUrlCredentials(value: string): string {
  // Only the special schemes have an authority for sure: `user:pass@host` alone parses as
  // scheme `user:` with path `pass@host`, so anything else is treated as not a URL.
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !SPECIAL_SCHEMES.has(url.protocol)) {
    const at = value.lastIndexOf("@");
    return at === -1 ? value : `***${value.slice(at)}`;
  }
  if (url.username === "" && url.password === "") return value;
  url.username = "***";
  if (url.password !== "") url.password = "***";
  return url.href;
}

import type { Context } from "hono";
import { deleteCookie, getCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

/** The session cookie's name (SPEC §5.3). */
export const SESSION_COOKIE = "picoclaw_session";

/** Sessions last 7 days. */
export const SESSION_MAX_AGE_S = 7 * 24 * 60 * 60;

/** Live sessions kept for server-side revocation; past this the oldest are forgotten (logged out). */
const MAX_SESSIONS = 10_000;

/** What a request's session cookie says. */
export type SessionCheck =
  | { ok: true; id: string }
  | { ok: false; reason: "missing" | "tampered" | "expired" | "revoked" };

/**
 * True when the cookie's base64 signature is written the one canonical way. `atob` ignores
 * the unused low bits of the last base64 digit, so without this a changed character there
 * would still verify; every changed character must make the cookie invalid.
 */
function hasCanonicalSignature(raw: string | undefined): boolean {
  const signature = raw?.slice(raw.lastIndexOf(".") + 1) ?? "";
  try {
    return btoa(atob(signature)) === signature;
  } catch {
    return false;
  }
}

/**
 * Dashboard sessions: the cookie value is `<expiry ms>.<random id>`, HMAC-SHA256-signed
 * (Hono's signed cookies) with 32 random bytes made fresh for each process, so a restart
 * logs everyone out. Sessions are also tracked here, so logout and a key rotation revoke
 * them server-side.
 */
export class SessionManager {
  #key: Uint8Array<ArrayBuffer>;
  /** Live session ids and their expiry (ms), oldest first. */
  readonly #live = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#key = crypto.getRandomValues(new Uint8Array(32));
    this.#now = options.now ?? Date.now;
  }

  /** Number of live sessions (for tests and status). */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Starts a new session (a fresh id every login) and sets the cookie:
   * `HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`, plus `Secure` when `secure`.
   */
  async start(c: Context, secure: boolean): Promise<string> {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const expires = this.#now() + SESSION_MAX_AGE_S * 1000;
    this.#live.set(id, expires);
    this.#prune();
    await setSignedCookie(c, SESSION_COOKIE, `${expires}.${id}`, this.#key, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_MAX_AGE_S,
      secure,
    });
    return id;
  }

  /** Checks the request's cookie: signed with this process's key, not expired, not revoked. */
  async check(c: Context): Promise<SessionCheck> {
    const value = await getSignedCookie(c, this.#key, SESSION_COOKIE);
    if (value === undefined) return { ok: false, reason: "missing" };
    if (value === false || !hasCanonicalSignature(getCookie(c, SESSION_COOKIE))) {
      return { ok: false, reason: "tampered" };
    }
    const match = /^(\d{1,15})\.([0-9a-f]{32})$/.exec(value);
    if (!match) return { ok: false, reason: "tampered" };
    const expires = Number(match[1]);
    if (expires <= this.#now()) return { ok: false, reason: "expired" };
    if (this.#live.get(match[2]) !== expires) return { ok: false, reason: "revoked" };
    return { ok: true, id: match[2] };
  }

  /** Ends one session server-side; its cookie is no longer accepted. */
  revoke(id: string): void {
    this.#live.delete(id);
  }

  /** Ends one session server-side and clears the cookie (`Max-Age=0`). */
  end(c: Context, id: string | undefined, secure: boolean): void {
    if (id) this.revoke(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict", secure });
  }

  /** A new signing key and no live sessions: every existing session ends. */
  rotateKey(): void {
    this.#key = crypto.getRandomValues(new Uint8Array(32));
    this.#live.clear();
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, expires] of this.#live) {
      if (this.#live.size <= MAX_SESSIONS && expires > now) break;
      this.#live.delete(id);
    }
  }
}

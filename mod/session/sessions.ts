import type { Context } from "hono";
import { deleteCookie, getCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

/** The session cookie's name (SPEC §5.3). */
export const SESSION_COOKIE = "picoclaw_session";
/** Sessions last 7 days. */
export const SESSION_MAX_AGE_S = 7 * 24 * 60 * 60;
/** Live sessions kept for server-side revocation; past this the oldest are forgotten (logged out). */
const MAX_SESSIONS = 10_000;
/** A user agent is kept for the Security page, cut to this length. */
const MAX_USER_AGENT = 200;

/** What a request's session cookie says. */
export type SessionCheck =
  | { ok: true; id: string; expiresAt: number }
  | { ok: false; reason: "missing" | "tampered" | "expired" | "revoked" };

/** A live dashboard session as the Security page lists it. */
export interface SessionInfo {
  /** A public handle: the random id, never the cookie value (which also carries the signature). */
  id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
}

/** Called with the ids of sessions that just ended (logout, revocation, key rotation, pruning). */
export type SessionEndListener = (ids: readonly string[]) => void;

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
 * logs everyone out. Sessions are also tracked here, so logout, revocation and a key
 * rotation end them server-side, and listeners (the dashboard's sockets) hear of it.
 */
export class SessionManager {
  #key: Uint8Array<ArrayBuffer>;
  /** Live sessions by id, oldest first. */
  readonly #live = new Map<string, SessionInfo>();
  readonly #listeners = new Set<SessionEndListener>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#key = crypto.getRandomValues(new Uint8Array(32));
    this.#now = options.now ?? Date.now;
  }

  /** Number of live sessions (for tests and status). */
  get size(): number {
    return this.#live.size;
  }

  /** Calls `listener` whenever sessions end; returns the function that unsubscribes. */
  onEnd(listener: SessionEndListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts a new session (a fresh id every login) and sets the cookie:
   * `HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`, plus `Secure` when `secure`.
   *
   * @param client The IP and user agent shown on the Security page.
   */
  async start(c: Context, secure: boolean, client: { ip: string } = { ip: "" }): Promise<string> {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const now = this.#now();
    const expires = now + SESSION_MAX_AGE_S * 1000;
    this.#live.set(id, {
      id,
      created_at: now,
      last_seen_at: now,
      expires_at: expires,
      ip: client.ip,
      user_agent: (c.req.header("user-agent") ?? "").slice(0, MAX_USER_AGENT),
    });
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
    const now = this.#now();
    if (expires <= now) return { ok: false, reason: "expired" };
    const info = this.#live.get(match[2]);
    if (info?.expires_at !== expires) return { ok: false, reason: "revoked" };
    info.last_seen_at = now;
    return { ok: true, id: match[2], expiresAt: expires };
  }

  /** The live sessions, oldest first. */
  list(): SessionInfo[] {
    const now = this.#now();
    return [...this.#live.values()].filter((s) => s.expires_at > now).map((s) => ({ ...s }));
  }

  /** Ends one session server-side; its cookie is no longer accepted. Returns false when unknown. */
  revoke(id: string): boolean {
    if (!this.#live.delete(id)) return false;
    this.#notify([id]);
    return true;
  }

  /** Ends one session server-side and clears the cookie (`Max-Age=0`). */
  end(c: Context, id: string | undefined, secure: boolean): void {
    if (id) this.revoke(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict", secure });
  }

  /** Ends every session but `keep`; returns how many ended. */
  revokeOthers(keep: string): number {
    const ended = [...this.#live.keys()].filter((id) => id !== keep);
    for (const id of ended) this.#live.delete(id);
    if (ended.length > 0) this.#notify(ended);
    return ended.length;
  }

  /** A new signing key and no live sessions: every existing session ends. */
  rotateKey(): void {
    this.#key = crypto.getRandomValues(new Uint8Array(32));
    const ended = [...this.#live.keys()];
    this.#live.clear();
    if (ended.length > 0) this.#notify(ended);
  }

  #notify(ids: readonly string[]): void {
    for (const listener of this.#listeners) listener(ids);
  }

  /** Forgets expired sessions from the oldest end, and the oldest past `MAX_SESSIONS`. */
  #prune(): void {
    const now = this.#now();
    const ended: string[] = [];
    for (const [id, info] of this.#live) {
      if (this.#live.size <= MAX_SESSIONS && info.expires_at > now) break;
      this.#live.delete(id);
      ended.push(id);
    }
    if (ended.length > 0) this.#notify(ended);
  }
}

import type { Context } from "hono";
import { type IpNetwork, parseNetwork } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { clientIp, hostName, isHttpsRequest, isLoopbackHost, requestHost, requestOrigin } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { LoginLimiter } from "./login_limiter.ts";

/** How a launcher token was presented (SPEC §7.4). */
export type LoginVia = "login" | "setup" | "url" | "rotate";

/** One recorded sign-in attempt. */
export interface LoginAttemptRecord {
  ts: number;
  ip: string;
  ok: boolean;
  via: LoginVia;
}

/** The launcher settings the guard reads live. */
export interface GuardSettings {
  trusted_proxies: readonly string[];
  allowed_hosts: readonly string[];
  public: boolean;
}

/** What `LoginGuard` needs. */
export interface LoginGuardOptions {
  /** The current launcher settings (read at each request, so changes apply live). */
  settings: () => GuardSettings;
  log: Logger;
  metrics: Metrics;
  /** @default a new LoginLimiter (10 failures per IP per minute) */
  limiter?: LoginLimiter;
  now?: () => number;
}

/** An attempt in progress: counted as failed from the start, refunded when it succeeds. */
export interface LoginAttempt {
  readonly ip: string;
  /** The token was right: the attempt no longer counts against the IP. */
  succeed(): void;
  /** The token was wrong: logged as `login failed ip=<ip> via=<via>`. */
  fail(): void;
  /** Not a token guess after all (e.g. a signed-in setup): uncounted and unrecorded. */
  cancel(): void;
}

/** The recent attempts kept for the Security page. */
const MAX_ATTEMPTS = 100;

/**
 * The launcher's login policy in one place (SPEC §5.4): who the client is (the TCP peer, or
 * the forwarded client behind a trusted proxy), which `Host` names are answered (DNS
 * rebinding), the brute-force limit, and the record of attempts. An attempt is counted
 * synchronously in `begin()`, before the route awaits anything, so concurrent requests
 * cannot slip past the limit.
 */
export class LoginGuard {
  readonly #settings: () => GuardSettings;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #limiter: LoginLimiter;
  readonly #now: () => number;
  readonly #attempts: LoginAttemptRecord[] = [];
  #trustedSource: readonly string[] = [];
  #trusted: IpNetwork[] = [];

  constructor(options: LoginGuardOptions) {
    this.#settings = options.settings;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#limiter = options.limiter ?? new LoginLimiter({ now: options.now });
    this.#now = options.now ?? Date.now;
  }

  /** The parsed `trusted_proxies`, re-parsed only when the setting changes. */
  get trusted(): readonly IpNetwork[] {
    const source = this.#settings().trusted_proxies;
    if (source !== this.#trustedSource) {
      this.#trustedSource = source;
      this.#trusted = source.map((s) => parseNetwork(s)).filter((n) => n !== undefined);
    }
    return this.#trusted;
  }

  /** The client's IP for limits and logs (SPEC §5.4 "Client IP"). */
  clientIp(c: Context): string {
    return clientIp(c, this.trusted);
  }

  /** True when the request came over HTTPS through a trusted proxy. */
  isHttps(c: Context): boolean {
    return isHttpsRequest(c, this.trusted);
  }

  /** `http(s)://<Host>` of this request: the launcher's own origin as the browser sees it. */
  ownOrigin(c: Context): string {
    return requestOrigin(c, this.trusted);
  }

  /**
   * Refuses a `Host` the launcher does not answer to (SPEC §5.4): on loopback only loopback
   * names or `allowed_hosts`; with `public`, any host unless `allowed_hosts` is set.
   *
   * @throws {PicoclawError} `host_not_allowed` (403), saying which setting admits the host.
   */
  checkHost(c: Context): void {
    const { allowed_hosts, public: isPublic } = this.#settings();
    if (isPublic && allowed_hosts.length === 0) return;
    const host = requestHost(c);
    if (isLoopbackHost(host)) return;
    const name = hostName(host);
    if (allowed_hosts.some((allowed) => hostName(allowed) === name)) return;
    this.#metrics.authFailures.inc({ reason: "host_not_allowed" });
    this.#log.refusal("host_not_allowed", "warn", "launcher request refused: host not allowed", { host });
    throw new PicoclawError(
      "host_not_allowed",
      "This host name is not allowed: add it to allowed_hosts in launcher-config.json to open the dashboard by it",
    );
  }

  /**
   * Starts a sign-in attempt. Call it before any await: it counts the attempt as failed at
   * once, and `succeed()` takes that back.
   *
   * @throws {PicoclawError} `rate_limited` (429, `Retry-After`) while the IP is over the limit.
   */
  begin(c: Context, via: LoginVia): LoginAttempt {
    const ip = this.clientIp(c);
    const retryAfter = this.#limiter.retryAfter(ip);
    if (retryAfter > 0) {
      this.#metrics.loginAttempts.inc({ result: "rate_limited" });
      this.#log.refusal("login_rate_limited", "warn", "login refused: rate limited", { ip, via });
      throw new PicoclawError("rate_limited", `Too many failed attempts; try again in ${retryAfter} s`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    this.#limiter.fail(ip);
    let settled = false;
    return {
      ip,
      succeed: () => {
        if (settled) return;
        settled = true;
        this.#limiter.refund(ip);
        this.#record(ip, true, via);
        this.#metrics.loginAttempts.inc({ result: "ok" });
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        this.#limiter.refund(ip);
      },
      fail: () => {
        if (settled) return;
        settled = true;
        this.#record(ip, false, via);
        this.#metrics.loginAttempts.inc({ result: "invalid_token" });
        // One fail2ban-friendly line per failure, never with the token tried.
        this.#log.warn(`login failed ip=${ip} via=${via}`);
      },
    };
  }

  /** The last 100 attempts, newest first. */
  attempts(): LoginAttemptRecord[] {
    return this.#attempts.toReversed();
  }

  #record(ip: string, ok: boolean, via: LoginVia): void {
    this.#attempts.push({ ts: this.#now(), ip, ok, via });
    if (this.#attempts.length > MAX_ATTEMPTS) this.#attempts.shift();
  }
}

/** Options for `LoginLimiter`. */
export interface LoginLimiterOptions {
  /** Failed attempts allowed per IP per window. @default 10 */
  maxFailures?: number;
  /** Window length in ms. @default 60_000 */
  windowMs?: number;
  /** Most IPs tracked at once; past that the oldest windows are dropped. @default 10_000 */
  maxEntries?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Brute-force limit for the launcher (SPEC §5.4): at most `maxFailures` failed attempts per
 * client IP per window; past that every attempt from that IP, right token or not, is refused
 * until the window ends. Memory is bounded: windows expire, and the oldest go past `maxEntries`.
 */
export class LoginLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Per IP, in insertion order (oldest first). */
  readonly #windows = new Map<string, Window>();

  constructor(options: LoginLimiterOptions = {}) {
    this.#max = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** IPs currently tracked. */
  get size(): number {
    return this.#windows.size;
  }

  /** Seconds until `ip` may try again, or 0 when it may try now. */
  retryAfter(ip: string): number {
    const window = this.#windows.get(ip);
    if (!window) return 0;
    const left = window.startedAt + this.#windowMs - this.#now();
    if (left <= 0) {
      this.#windows.delete(ip);
      return 0;
    }
    return window.failures >= this.#max ? Math.ceil(left / 1000) : 0;
  }

  /** Records one failed attempt from `ip`. */
  fail(ip: string): void {
    const now = this.#now();
    let window = this.#windows.get(ip);
    if (!window || window.startedAt + this.#windowMs <= now) {
      this.#windows.delete(ip);
      window = { startedAt: now, failures: 0 };
      this.#windows.set(ip, window);
      this.#evict(now);
    }
    window.failures++;
  }

  /** Takes back one failure of `ip` (an attempt counted up front that turned out right). */
  refund(ip: string): void {
    const window = this.#windows.get(ip);
    if (window && window.failures > 0) window.failures--;
  }

  /** Drops expired windows from the oldest end, and the oldest past `maxEntries`. */
  #evict(now: number): void {
    for (const [ip, window] of this.#windows) {
      if (this.#windows.size <= this.#maxEntries && window.startedAt + this.#windowMs > now) break;
      this.#windows.delete(ip);
    }
  }
}

/** Reconnect timing: by default 1 s doubling to 60 s, ±20 % jitter, reset after a healthy minute. */
export interface BackoffOptions {
  /** First delay in ms. @default 1000 */
  initialMs?: number;
  /** Largest delay in ms. @default 60_000 */
  maxMs?: number;
  /** Jitter as a fraction of the delay, both ways. @default 0.2 */
  jitter?: number;
  /** A connection that lasted this long resets the schedule. @default 60_000 */
  healthyMs?: number;
  /** Random number in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): `initial × 2^attempt`, capped at
 * `max`, then moved by up to ±`jitter` of itself.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - jitter + 2 * jitter * random()));
}

/** The reconnect schedule of one client: how long to wait after each drop or failed dial. */
export class Backoff {
  readonly #options: BackoffOptions;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#options = options;
  }

  /** Attempts since the last healthy connection. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The delay after a drop. A connection that stayed up for the healthy time starts the
   * schedule again at 1 s.
   * @param connectedForMs How long the dropped connection was up (0 for a failed dial).
   */
  next(connectedForMs: number): number {
    if (connectedForMs >= (this.#options.healthyMs ?? 60_000)) this.#attempt = 0;
    return backoffDelay(this.#attempt++, this.#options);
  }

  /** Starts the schedule again at the first delay (a connection is up again). */
  reset(): void {
    this.#attempt = 0;
  }

  /** The longest delay (with jitter), for failures that waiting will not fix soon (a wrong token). */
  max(): number {
    return backoffDelay(Number.MAX_SAFE_INTEGER, this.#options);
  }
}

import type { Server } from "bun";
import type { Context } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { ConnectionState } from "../channel/mod.ts";
import type { ConfigStore } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Gateway } from "../gateway/mod.ts";
import { clientIp, isHttpsRequest } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { LoginLimiter, SessionManager } from "../session/mod.ts";
import type { LauncherToken } from "./token.ts";

/** Everything the launcher's routes share. `token` changes when first-run setup stores a new one. */
export interface LauncherContext {
  store: ConfigStore;
  token: LauncherToken;
  sessions: SessionManager;
  limiter: LoginLimiter;
  gateway: Gateway;
  log: Logger;
  metrics: Metrics;
}

/** The launcher's Hono environment: Bun's server as bindings (for upgrades and client addresses). */
export interface LauncherEnv {
  Bindings: Server<ConnectionState>;
}

/** Headers for answers that must not be cached: pages with a session, revealed secrets. */
export const NO_STORE = { "Cache-Control": "no-store" };

/**
 * Seconds until the client's IP may try to sign in again (0 when it may try now); an
 * attempt refused this way is counted as `rate_limited`.
 */
export function limitedFor(ctx: LauncherContext, c: Context): number {
  const retryAfter = ctx.limiter.retryAfter(clientIp(c));
  if (retryAfter > 0) ctx.metrics.loginAttempts.inc({ result: "rate_limited" });
  return retryAfter;
}

/**
 * Refuses an IP that is over the brute-force limit with 429 `rate_limited` and `Retry-After`.
 * @throws {PicoclawError} `rate_limited`.
 */
export function ensureNotLimited(ctx: LauncherContext, c: Context): void {
  const retryAfter = limitedFor(ctx, c);
  if (retryAfter > 0) {
    throw new PicoclawError("rate_limited", `Too many failed attempts; try again in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
}

/** Counts a failed attempt and logs it with the IP (a fail2ban-friendly line), never the token tried. */
export function recordFailure(ctx: LauncherContext, c: Context, route: string): void {
  const ip = clientIp(c);
  ctx.limiter.fail(ip);
  ctx.metrics.loginAttempts.inc({ result: "invalid_token" });
  ctx.log.warn("launcher login failed", { ip, route });
}

/**
 * Checks a presented launcher token (constant time). The caller has already checked the limit.
 * A wrong token is counted as a failed attempt for the client's IP.
 */
export async function checkLauncherToken(
  ctx: LauncherContext,
  c: Context,
  presented: string,
  route: string,
): Promise<boolean> {
  const ok = presented !== "" && await timingSafeEqual(ctx.token.secret.reveal(), presented);
  if (ok) ctx.metrics.loginAttempts.inc({ result: "ok" });
  else recordFailure(ctx, c, route);
  return ok;
}

/** Starts a new session for this browser (a fresh id), ending the one it had. */
export async function startSession(ctx: LauncherContext, c: Context): Promise<void> {
  const current = await ctx.sessions.check(c);
  if (current.ok) ctx.sessions.revoke(current.id);
  await ctx.sessions.start(c, isHttpsRequest(c));
}

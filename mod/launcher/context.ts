import type { Server } from "bun";
import type { Context } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { ConnectionState, PicoChannel } from "../channel/mod.ts";
import type { ConfigStore } from "../config/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import type { Logger, LogRing } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { LoginGuard, SessionManager } from "../session/mod.ts";
import type { LauncherToken } from "./token.ts";

/** Everything the launcher's routes share. `token` changes when setup or rotation stores a new one. */
export interface LauncherContext {
  store: ConfigStore;
  token: LauncherToken;
  sessions: SessionManager;
  guard: LoginGuard;
  /** The in-process Pico channel (made by the app), for the dashboard's chat. */
  channel: PicoChannel;
  /** The chat history of every channel. */
  history: HistoryStore;
  /** The gateway's `/api/status` report. */
  gatewayStatus: () => Record<string, unknown>;
  log: Logger;
  /** The last log entries, for the Logs page. */
  logs: LogRing;
  metrics: Metrics;
}

/** The launcher's Hono environment: Bun's server as bindings (for upgrades and client addresses). */
export interface LauncherEnv {
  Bindings: Server<ConnectionState>;
}

/** Headers for answers that must not be cached: pages with a session, revealed secrets. */
export const NO_STORE = { "Cache-Control": "no-store" };

/** Compares a presented launcher token with the one in force, in constant time. */
export async function isLauncherToken(ctx: LauncherContext, presented: string): Promise<boolean> {
  return presented !== "" && await timingSafeEqual(ctx.token.secret.reveal(), presented);
}

/**
 * Ends every dashboard session (a new launcher token: the session key rotates) and starts a new
 * one for this browser, whose chat sockets move to it instead of closing: the page that asked
 * keeps its chat, and sees the answer (a token shown once) without a reload.
 */
export async function restartSessionsKeepingCaller(ctx: LauncherContext, c: Context): Promise<void> {
  const caller = await ctx.sessions.check(c);
  // Parked under a name no session has, so the rotation's "sessions ended" does not close them.
  const parked = `parked-${crypto.randomUUID()}`;
  if (caller.ok) ctx.channel.moveLoginSession(caller.id, { loginSession: parked, expiresAt: caller.expiresAt });
  ctx.sessions.rotateKey();
  const id = await ctx.sessions.start(c, ctx.guard.isHttps(c), { ip: ctx.guard.clientIp(c) });
  const expiresAt = ctx.sessions.list().find((s) => s.id === id)?.expires_at ?? 0;
  if (caller.ok) ctx.channel.moveLoginSession(parked, { loginSession: id, expiresAt });
}

/** Starts a new session for this browser (a fresh id), ending the one it had. */
export async function startSession(ctx: LauncherContext, c: Context): Promise<void> {
  const current = await ctx.sessions.check(c);
  if (current.ok) ctx.sessions.revoke(current.id);
  await ctx.sessions.start(c, ctx.guard.isHttps(c), { ip: ctx.guard.clientIp(c) });
}

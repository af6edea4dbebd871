import type { Context } from "hono";
import type { PicoChannel } from "../channel/mod.ts";
import type { Config } from "../config/mod.ts";
import { isValidSessionId } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { clientAddress } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { collectPicoCredentials, isOriginAllowed } from "./pico_auth.ts";

/** What the `/pico` route needs. */
export interface PicoRouteOptions {
  channel: PicoChannel;
  pico: Config["channels"]["pico"];
  log: Logger;
  metrics: Metrics;
}

/** Seconds a client is asked to wait when the channel is full. */
const RETRY_AFTER_FULL = "5";

/** Reads `?session_id=`: absent or empty → a new UUID; invalid → 400 `invalid_session_id`. */
export function sessionIdFrom(url: URL): string {
  const requested = url.searchParams.get("session_id");
  if (!requested) return crypto.randomUUID();
  if (!isValidSessionId(requested)) {
    throw new PicoclawError("invalid_session_id", "session_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  return requested;
}

/** True when the request asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(req: Request): boolean {
  return req.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/**
 * `GET /pico`: checks in the spec's order (disabled 503, origin 403, auth 401, full 503,
 * not an upgrade 426, bad session id 400), then upgrades to a Pico WebSocket.
 */
export function createPicoRoute(options: PicoRouteOptions) {
  const { channel, pico, log, metrics } = options;
  return async function picoRoute(c: Context): Promise<Response> {
    if (!channel.enabled) throw new PicoclawError("channel_disabled", "The Pico channel is disabled");
    const remote = clientAddress(c);
    if (!isOriginAllowed(c.req.header("origin"), pico.allow_origins)) {
      metrics.authFailures.inc({ reason: "origin_not_allowed" });
      log.refusal("pico_origin", "warn", "pico connection refused: origin not allowed", {
        ip: remote,
        origin: c.req.header("origin"),
      });
      throw new PicoclawError("origin_not_allowed", "This Origin may not connect to the Pico channel");
    }
    const url = new URL(c.req.url);
    const credentials = collectPicoCredentials(c.req.raw.headers, url, pico.allow_token_query);
    let authenticated = false;
    for (const presented of credentials.tokens) {
      if (await channel.checkToken(presented.token)) authenticated = true;
    }
    if (!authenticated) {
      const reason = credentials.tokens.length > 0
        ? "invalid_token"
        : credentials.ignoredQueryToken
        ? "query_token_disabled"
        : "missing_token";
      metrics.authFailures.inc({ reason });
      log.refusal("pico_auth", "warn", "pico connection refused: not authenticated", { ip: remote, reason });
      throw new PicoclawError("unauthorized", "A valid Pico token is required", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    }
    if (!channel.hasCapacity()) {
      throw new PicoclawError("too_many_connections", "The Pico channel has reached max_connections", {
        headers: { "Retry-After": RETRY_AFTER_FULL },
      });
    }
    if (!isWebSocketUpgrade(c.req.raw)) {
      throw new PicoclawError("upgrade_required", "This endpoint speaks WebSocket only", {
        headers: { Upgrade: "websocket" },
      });
    }
    const sessionId = sessionIdFrom(url);
    const upgraded = channel.upgrade(c.env, c.req.raw, {
      kind: "pico",
      sessionId,
      remote,
      protocol: credentials.protocol,
    });
    if (!upgraded) throw new PicoclawError("upgrade_required", "The WebSocket handshake is invalid");
    return new Response(null);
  };
}

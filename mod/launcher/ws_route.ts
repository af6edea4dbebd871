import type { Context } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import { isWebSocketUpgrade, sessionIdFrom } from "../gateway/mod.ts";
import { clientIp, requestOrigin } from "../http/mod.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";

/**
 * `GET /pico/ws`: the dashboard chat's WebSocket (SPEC §5.2). It needs the session cookie and
 * an `Origin` equal to the launcher's own (else 403: no cross-site WebSocket hijacking), then
 * joins the in-process Pico channel as if it had shown the Pico token, with the same checks.
 */
export function createDashboardSocketRoute(ctx: LauncherContext) {
  const channel = ctx.gateway.channel;
  return async function dashboardSocket(c: Context<LauncherEnv>): Promise<Response> {
    if (!channel.enabled) throw new PicoclawError("channel_disabled", "The Pico channel is disabled");
    if (c.req.header("origin") !== requestOrigin(c)) {
      ctx.metrics.authFailures.inc({ reason: "dashboard_origin" });
      ctx.log.refusal("dashboard_origin", "warn", "dashboard socket refused: foreign origin", {
        ip: clientIp(c),
        origin: c.req.header("origin"),
      });
      throw new PicoclawError("origin_not_allowed", "The dashboard socket accepts only the dashboard's own origin");
    }
    if (!(await ctx.sessions.check(c)).ok) {
      ctx.metrics.authFailures.inc({ reason: "dashboard_session" });
      throw new PicoclawError("unauthorized", "Sign in to the dashboard first");
    }
    if (!channel.hasCapacity()) {
      throw new PicoclawError("too_many_connections", "The Pico channel has reached max_connections", {
        headers: { "Retry-After": "5" },
      });
    }
    if (!isWebSocketUpgrade(c.req.raw)) {
      throw new PicoclawError("upgrade_required", "This endpoint speaks WebSocket only");
    }
    const sessionId = sessionIdFrom(new URL(c.req.url));
    const upgraded = channel.upgrade(c.env, c.req.raw, {
      kind: "dashboard",
      sessionId,
      remote: clientIp(c),
      protocol: "",
    });
    if (!upgraded) throw new PicoclawError("upgrade_required", "The WebSocket handshake is invalid");
    return new Response(null);
  };
}

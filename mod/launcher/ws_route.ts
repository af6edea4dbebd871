import type { AdmissionStrategy } from "../channel/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { LauncherContext } from "./context.ts";

/**
 * The dashboard's admission to the Pico channel on `GET /pico/ws` (SPEC §5.2, §7.1): an `Origin`
 * equal to the launcher's own (else 403: no cross-site WebSocket hijacking) and a live session
 * cookie (else 401). It works whether or not the public channel is enabled or has a token, and
 * the socket belongs to the login session: it closes with 4001 when that session ends.
 */
export function dashboardAdmission(ctx: LauncherContext): AdmissionStrategy {
  return {
    kind: "dashboard",
    async authenticate(c) {
      const remote = ctx.guard.clientIp(c);
      const origin = c.req.header("origin");
      if (origin !== ctx.guard.ownOrigin(c)) {
        ctx.metrics.authFailures.inc({ reason: "dashboard_origin" });
        ctx.log.refusal("dashboard_origin", "warn", "dashboard socket refused: foreign origin", { ip: remote, origin });
        throw new PicoclawError("origin_not_allowed", "The dashboard socket accepts only the dashboard's own origin");
      }
      const session = await ctx.sessions.check(c);
      if (!session.ok) {
        ctx.metrics.authFailures.inc({ reason: "dashboard_session" });
        throw new PicoclawError("unauthorized", "Sign in to the dashboard first");
      }
      return { protocol: "", remote, owner: { loginSession: session.id, expiresAt: session.expiresAt } };
    },
  };
}

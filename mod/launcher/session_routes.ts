import { Hono } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import { sessionMessagesRoute } from "../history/mod.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";

/**
 * The dashboard's chat history API (SPEC §6), behind the session check of `/api/*`:
 * `GET /api/sessions` (newest first), `GET /api/sessions/:id` (`limit`, `before`), and
 * `DELETE /api/sessions/:id` (204; the session's open sockets stay open).
 */
export function createSessionRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();
  app.get("/api/sessions", async (c) => c.json({ sessions: await ctx.history.listSessions() }));
  app.get("/api/sessions/:id", sessionMessagesRoute(ctx.history));
  app.delete("/api/sessions/:id", async (c) => {
    if (!await ctx.history.deleteSession(c.req.param("id"))) throw new PicoclawError("not_found", "No such session");
    return c.body(null, 204);
  });
  return app;
}

import { Hono } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import { describe } from "../http/mod.ts";
import { describeSessionMessages, HISTORY_UNAVAILABLE, requireHistory, sessionMessagesRoute } from "../history/mod.ts";
import { z } from "../zod/mod.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";

const SessionListSchema = z.object({
  sessions: z.array(z.object({
    id: z.string(),
    title: z.string(),
    channel: z.string(),
    messages: z.number(),
    updated_at: z.number(),
  })),
});

/**
 * The dashboard's chat history API (SPEC §6), behind the session check of `/api/*`:
 * `GET /api/sessions` (newest first), `GET /api/sessions/:id` (`limit`, `before`), and
 * `DELETE /api/sessions/:id` (204; the session's open sockets stay open).
 */
export function createSessionRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();
  app.get(
    "/api/sessions",
    describe({
      summary: "Chat sessions, newest first",
      tags: ["history"],
      response: SessionListSchema,
      responses: { "503": HISTORY_UNAVAILABLE },
    }),
    async (c) => {
      requireHistory(ctx.history);
      return c.json({ sessions: await ctx.history.listSessions() });
    },
  );
  app.get(
    "/api/sessions/:id",
    describeSessionMessages(),
    sessionMessagesRoute(ctx.history),
  );
  app.delete(
    "/api/sessions/:id",
    describe({
      summary: "Delete a session's history (its open sockets stay open)",
      tags: ["history"],
      responses: { "204": "Deleted", "404": "`not_found`: no such session", "503": HISTORY_UNAVAILABLE },
    }),
    async (c) => {
      requireHistory(ctx.history);
      if (!await ctx.history.deleteSession(c.req.param("id"))) throw new PicoclawError("not_found", "No such session");
      return c.body(null, 204);
    },
  );
  return app;
}

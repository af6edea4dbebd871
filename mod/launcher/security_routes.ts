import { Hono } from "hono";
import { z } from "../zod/mod.ts";
import { generateToken, Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { describe, isJsonContentType, parseRequest } from "../http/mod.ts";
import { NewTokenSchema } from "./auth_routes.ts";
import {
  isLauncherToken,
  type LauncherContext,
  type LauncherEnv,
  NO_STORE,
  restartSessionsKeepingCaller,
} from "./context.ts";

/** `POST /api/auth/token`: the token in force, and either `generate: true` or `token` + `confirm`. */
const RotateSchema = z.object({
  current: z.string().check(z.maxLength(512)),
  generate: z.optional(z.boolean()),
  token: z.optional(z.string()),
  confirm: z.optional(z.string()),
});

/** A session's public handle: the random id of the cookie, never the cookie itself. */
const SESSION_ID = /^[0-9a-f]{32}$/;

/** Reads a JSON body or throws `unsupported_media_type` / `invalid_request`. */
async function readJson(c: { req: { header(name: string): string | undefined; json(): Promise<unknown> } }) {
  if (!isJsonContentType(c.req.header("content-type"))) {
    throw new PicoclawError("unsupported_media_type", "Send the body as application/json");
  }
  try {
    return await c.req.json();
  } catch {
    throw new PicoclawError("invalid_request", "The request body is not valid JSON");
  }
}

/**
 * The Security page's API (SPEC §7.4), behind the session check of `/api/*` and the CSRF check
 * of every state-changing route: the live sessions (revoke one, revoke the others), the recent
 * sign-in attempts, and the rotation of the launcher token.
 */
export function createSecurityRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  app.get(
    "/api/auth/sessions",
    describe({ summary: "Signed-in dashboard sessions (public ids, never cookies)", tags: ["security"] }),
    async (c) => {
      const session = await ctx.sessions.check(c);
      const current = session.ok ? session.id : "";
      const sessions = ctx.sessions.list().reverse().map((s) => ({
        id: s.id,
        current: s.id === current,
        created_at: s.created_at,
        last_seen_at: s.last_seen_at,
        ip: s.ip,
        user_agent: s.user_agent,
      }));
      return c.json({ sessions }, 200, NO_STORE);
    },
  );

  app.delete(
    "/api/auth/sessions/:id",
    describe({
      summary: "End one session; its chat sockets close with 4001",
      tags: ["security"],
      responses: { "204": "ended", "404": "`not_found`" },
    }),
    async (c) => {
      const id = c.req.param("id");
      const session = await ctx.sessions.check(c);
      if (!SESSION_ID.test(id) || !ctx.sessions.revoke(id)) throw new PicoclawError("not_found", "No such session");
      // Revoking one's own session is a logout: the cookie goes too.
      if (session.ok && session.id === id) ctx.sessions.end(c, undefined, ctx.guard.isHttps(c));
      ctx.log.info("dashboard session revoked", { ip: ctx.guard.clientIp(c) });
      return c.body(null, 204);
    },
  );

  app.post(
    "/api/auth/sessions/revoke-others",
    describe({ summary: "End every other session", tags: ["security"], response: z.object({ revoked: z.number() }) }),
    async (c) => {
      const session = await ctx.sessions.check(c);
      if (!session.ok) throw new PicoclawError("unauthorized", "Sign in to the dashboard first");
      const revoked = ctx.sessions.revokeOthers(session.id);
      if (revoked > 0) ctx.log.info("other dashboard sessions revoked", { count: revoked });
      return c.json({ revoked });
    },
  );

  app.get(
    "/api/auth/attempts",
    describe({ summary: "The last 100 sign-in attempts, newest first", tags: ["security"] }),
    (c) => c.json({ attempts: ctx.guard.attempts() }, 200, NO_STORE),
  );

  app.post(
    "/api/auth/token",
    describe({
      summary: "Change the launcher token (needs the current one); other sessions end",
      tags: ["security"],
      body: RotateSchema,
      responses: { "401": "`invalid_token`", "409": "`token_from_env`", "429": "`rate_limited`" },
    }),
    async (c) => {
      // Counted before the first await, so concurrent wrong guesses cannot pass the limit.
      const attempt = ctx.guard.begin(c, "rotate");
      const inForce = ctx.token;
      let body;
      try {
        if (inForce.source === "env") {
          throw new PicoclawError(
            "token_from_env",
            "The launcher token comes from PICOCLAW_LAUNCHER_TOKEN: change it there and restart PicoClaw",
          );
        }
        body = parseRequest(RotateSchema, await readJson(c));
      } catch (err) {
        attempt.cancel();
        throw err;
      }
      // A rotation that finished meanwhile made `current` stale: it is no longer the token in force.
      if (!await isLauncherToken(ctx, body.current) || ctx.token !== inForce) {
        attempt.fail();
        throw new PicoclawError("invalid_token", "That launcher token is not right");
      }
      attempt.succeed();
      let value: string;
      if (body.generate === true) {
        if (body.token !== undefined) {
          throw new PicoclawError("invalid_request", "Send either generate: true or token and confirm, not both");
        }
        value = generateToken(32);
      } else if (body.token === undefined) {
        throw new PicoclawError("invalid_request", "Send generate: true, or the new token as token and confirm");
      } else {
        value = parseRequest(NewTokenSchema, { token: body.token, confirm: body.confirm ?? "" }).token;
      }
      ctx.token = { secret: new Secret(value), source: "config", generated: false };
      try {
        await ctx.store.update([
          { key: "launcher.launcher_token", value },
          { key: "launcher.generated", value: false },
        ]);
      } catch (err) {
        ctx.token = inForce;
        throw err;
      }
      await restartSessionsKeepingCaller(ctx, c);
      ctx.log.info("launcher token rotated from the dashboard; all other sessions ended");
      return c.json(body.generate === true ? { token: value } : { ok: true }, 200, NO_STORE);
    },
  );
  return app;
}

import { type Context, Hono } from "hono";
import { z } from "../zod/mod.ts";
import { Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { describe, OkBodySchema, parseRequest } from "../http/mod.ts";
import { readLoginBody } from "./body.ts";
import {
  isLauncherToken,
  type LauncherContext,
  type LauncherEnv,
  NO_STORE,
  restartSessionsKeepingCaller,
  startSession,
} from "./context.ts";
import { dashboardPage, loginPage } from "./pages.ts";
import { isInitialized } from "./token.ts";

const LoginSchema = z.object({ token: z.string() });

/** A custom launcher token: 16-512 visible characters, typed twice. */
export const NewTokenSchema = z.object({
  token: z.string().check(
    z.minLength(16, "must be at least 16 characters"),
    z.maxLength(512, "must be at most 512 characters"),
    z.regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters without spaces"),
  ),
  confirm: z.string(),
}).check(z.refine((b) => b.token === b.confirm, { message: "the two tokens differ", path: ["confirm"] }));

/** `POST /setup`: the new token, and `current` (the generated token) when not signed in. */
const SetupAuthSchema = z.looseObject({ current: z.optional(z.string()) });

const AuthStatusSchema = z.object({ authenticated: z.boolean(), initialized: z.boolean() });
const FORM_OR_JSON = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];
const RATE_LIMITED = "`rate_limited`: too many failed attempts from this IP (see `Retry-After`)";

/**
 * True when a `?token=` request comes from another site (an `<img>` or a link on a foreign
 * page): `Sec-Fetch-Site: cross-site`, or an `Origin` that is not the launcher's own.
 */
function isCrossSite(ctx: LauncherContext, c: Context): boolean {
  if (c.req.header("sec-fetch-site")?.toLowerCase() === "cross-site") return true;
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== ctx.guard.ownOrigin(c);
}

/** `GET /?token=`: auto-login (303 to `/`), or the login page with the reason (401, 403, 429). */
async function urlLogin(ctx: LauncherContext, c: Context<LauncherEnv>, presented: string): Promise<Response> {
  if (isCrossSite(ctx, c)) {
    // Not counted: another page must not be able to lock the owner out.
    return c.html(loginPage("This sign-in link was opened from another site. Paste the token here instead."), 403);
  }
  let attempt;
  try {
    attempt = ctx.guard.begin(c, "url");
  } catch (err) {
    if (!(err instanceof PicoclawError) || err.code !== "rate_limited") throw err;
    return c.html(loginPage(`${err.message}.`), 429, { ...NO_STORE, ...err.headers });
  }
  if (!await isLauncherToken(ctx, presented)) {
    attempt.fail();
    return c.html(loginPage("That token is not right."), 401, NO_STORE);
  }
  attempt.succeed();
  await startSession(ctx, c);
  // 303 to "/" without the query: the token leaves the address bar and the history.
  return c.redirect("/", 303);
}

/**
 * Sign-in routes (SPEC §5.2): `GET /` (login page, dashboard, or `?token=` auto-login),
 * `POST /login`, `POST /setup`, `POST /logout`, `GET /api/auth/status`. Every attempt is
 * counted by the login guard before the route awaits anything.
 */
export function createAuthRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  app.get(
    "/",
    describe({
      summary: "The dashboard, or the sign-in page; `?token=` signs in and redirects (303) to `/`",
      tags: ["auth"],
      public: true,
      query: z.object({ token: z.optional(z.string()) }),
      responses: {
        "200": { description: "The dashboard or the sign-in page", media: "text/html" },
        "303": "Signed in by `?token=`: the session cookie is set",
        "401": { description: "Wrong `?token=`: the sign-in page with the reason", media: "text/html" },
        "403": { description: "A `?token=` link opened from another site (not counted)", media: "text/html" },
        "429": { description: RATE_LIMITED, media: "text/html" },
      },
    }),
    async (c) => {
      const presented = c.req.query("token");
      if (presented !== undefined) return await urlLogin(ctx, c, presented);
      const session = await ctx.sessions.check(c);
      return c.html(session.ok ? dashboardPage() : loginPage(), 200, NO_STORE);
    },
  );

  app.post(
    "/login",
    describe({
      summary: "Sign in with the launcher token (sets the session cookie)",
      tags: ["auth"],
      public: true,
      body: LoginSchema,
      bodyMedia: FORM_OR_JSON,
      response: OkBodySchema,
      responses: { "401": "`invalid_token`", "429": RATE_LIMITED },
    }),
    async (c) => {
      const attempt = ctx.guard.begin(c, "login");
      const { token } = parseRequest(LoginSchema, await readLoginBody(c));
      if (!await isLauncherToken(ctx, token)) {
        attempt.fail();
        throw new PicoclawError("invalid_token", "That launcher token is not right");
      }
      attempt.succeed();
      await startSession(ctx, c);
      return c.json({ ok: true });
    },
  );

  app.post(
    "/setup",
    describe({
      summary: "First run: replace the generated launcher token with your own",
      description: "Allowed while the token is the generated one, to a signed-in caller or one that sends it as " +
        "`current`. Ends every other session and sets a new cookie.",
      tags: ["auth"],
      public: true,
      body: z.intersection(NewTokenSchema, SetupAuthSchema),
      bodyMedia: FORM_OR_JSON,
      response: OkBodySchema,
      responses: {
        "400": "`invalid_request`: too short, or the two differ",
        "401": "`unauthorized`: not signed in and no right `current`",
        "409": "`already_initialized`",
        "429": RATE_LIMITED,
      },
    }),
    async (c) => {
      const attempt = ctx.guard.begin(c, "setup");
      const alreadyInitialized = () =>
        new PicoclawError("already_initialized", "The launcher token was already chosen");
      if (isInitialized(ctx.token)) {
        attempt.cancel();
        throw alreadyInitialized();
      }
      const session = await ctx.sessions.check(c);
      const body = await readLoginBody(c);
      const { current } = parseRequest(SetupAuthSchema, body);
      // Loopback is not identity: a session, or the generated token itself, is required.
      if (session.ok) attempt.cancel();
      else if (current !== undefined && await isLauncherToken(ctx, current)) attempt.succeed();
      else {
        attempt.fail();
        throw new PicoclawError("unauthorized", "Sign in first, or send the current launcher token as current");
      }
      const { token } = parseRequest(NewTokenSchema, body);
      // Checked again after the awaits, and claimed before the next one: of two concurrent setups one wins.
      if (isInitialized(ctx.token)) throw alreadyInitialized();
      const previous = ctx.token;
      ctx.token = { secret: new Secret(token), source: "config", generated: false };
      try {
        await ctx.store.update([
          { key: "launcher.launcher_token", value: token },
          { key: "launcher.generated", value: false },
        ]);
      } catch (err) {
        ctx.token = previous;
        throw err;
      }
      await restartSessionsKeepingCaller(ctx, c);
      ctx.log.info("launcher token set by first-run setup; all other sessions ended");
      return c.json({ ok: true });
    },
  );

  app.post(
    "/logout",
    describe({ summary: "Sign out (clears the cookie)", tags: ["auth"], public: true, response: OkBodySchema }),
    async (c) => {
      const session = await ctx.sessions.check(c);
      ctx.sessions.end(c, session.ok ? session.id : undefined, ctx.guard.isHttps(c));
      return c.json({ ok: true });
    },
  );

  app.get(
    "/api/auth/status",
    describe({ summary: "Signed in? Token chosen?", tags: ["auth"], public: true, response: AuthStatusSchema }),
    async (c) => {
      const session = await ctx.sessions.check(c);
      return c.json({ authenticated: session.ok, initialized: isInitialized(ctx.token) }, 200, NO_STORE);
    },
  );
  return app;
}

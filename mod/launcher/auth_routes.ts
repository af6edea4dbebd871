import { type Context, Hono } from "hono";
import { z } from "../zod/mod.ts";
import { Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { clientAddress, isHttpsRequest, isLoopbackAddress, parseRequest, requestHost } from "../http/mod.ts";
import {
  checkLauncherToken,
  ensureNotLimited,
  type LauncherContext,
  type LauncherEnv,
  limitedFor,
  NO_STORE,
  recordFailure,
  startSession,
} from "./context.ts";
import { readLoginBody } from "./body.ts";
import { dashboardPage, loginPage } from "./pages.ts";
import { isInitialized } from "./token.ts";

const LoginSchema = z.object({ token: z.string() });

/** A custom launcher token: 16-512 visible characters, typed twice. */
const SetupSchema = z.object({
  token: z.string().check(
    z.minLength(16, "must be at least 16 characters"),
    z.maxLength(512, "must be at most 512 characters"),
    z.regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters without spaces"),
  ),
  confirm: z.string(),
}).check(z.refine((b) => b.token === b.confirm, { message: "the two tokens differ", path: ["confirm"] }));

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/**
 * A first-run caller on this machine: a loopback peer that no proxy forwarded, addressing
 * the launcher by a loopback name (so a DNS-rebinding page cannot pass for one).
 */
function isLocalCaller(c: Context): boolean {
  return isLoopbackAddress(clientAddress(c)) && !c.req.header("x-forwarded-for") &&
    LOOPBACK_HOST.test(requestHost(c));
}

/**
 * Sign-in routes (SPEC §5.2): `GET /` (login page, dashboard, or `?token=` auto-login),
 * `POST /login`, `POST /setup`, `POST /logout`, `GET /api/auth/status`.
 */
export function createAuthRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  app.get("/", async (c) => {
    const presented = c.req.query("token");
    if (presented !== undefined) {
      const retryAfter = limitedFor(ctx, c);
      if (retryAfter > 0) {
        const page = loginPage(`Too many failed attempts. Try again in ${retryAfter} s.`);
        return c.html(page, 429, { ...NO_STORE, "Retry-After": String(retryAfter) });
      }
      if (!await checkLauncherToken(ctx, c, presented, "/?token")) {
        return c.html(loginPage("That token is not right."), 401, NO_STORE);
      }
      await startSession(ctx, c);
      // 303 to "/" without the query: the token leaves the address bar and the history.
      return c.redirect("/", 303);
    }
    const session = await ctx.sessions.check(c);
    return c.html(session.ok ? dashboardPage() : loginPage(), 200, NO_STORE);
  });

  app.post("/login", async (c) => {
    ensureNotLimited(ctx, c);
    const { token } = parseRequest(LoginSchema, await readLoginBody(c));
    if (!await checkLauncherToken(ctx, c, token, "/login")) {
      throw new PicoclawError("invalid_token", "That launcher token is not right");
    }
    await startSession(ctx, c);
    return c.json({ ok: true });
  });

  app.post("/setup", async (c) => {
    ensureNotLimited(ctx, c);
    if (isInitialized(ctx.token)) {
      throw new PicoclawError("already_initialized", "The launcher token was already chosen");
    }
    const session = await ctx.sessions.check(c);
    if (!session.ok && !isLocalCaller(c)) {
      recordFailure(ctx, c, "/setup");
      throw new PicoclawError("unauthorized", "Sign in first, or run the first-run setup on this machine");
    }
    const { token } = parseRequest(SetupSchema, await readLoginBody(c));
    await ctx.store.update([
      { key: "launcher.launcher_token", value: token },
      { key: "launcher.generated", value: false },
    ]);
    ctx.token = { secret: new Secret(token), source: "config", generated: false };
    ctx.sessions.rotateKey();
    await ctx.sessions.start(c, isHttpsRequest(c));
    ctx.log.info("launcher token set by first-run setup; all other sessions ended");
    return c.json({ ok: true });
  });

  app.post("/logout", async (c) => {
    const session = await ctx.sessions.check(c);
    ctx.sessions.end(c, session.ok ? session.id : undefined, isHttpsRequest(c));
    return c.json({ ok: true });
  });

  app.get("/api/auth/status", async (c) => {
    const session = await ctx.sessions.check(c);
    return c.json({ authenticated: session.ok, initialized: isInitialized(ctx.token) }, 200, NO_STORE);
  });

  return app;
}

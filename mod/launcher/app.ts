import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createPicoSocketRoute } from "../channel/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { createErrorHandler, errorResponse } from "../http/mod.ts";
import { createApiRoutes } from "./api_routes.ts";
import { buildAssets } from "./assets.ts";
import { createAuthRoutes } from "./auth_routes.ts";
import { createChannelRoutes } from "./channel_routes.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";
import { launcherHeaders, sameOriginOnly } from "./protect.ts";
import { createSessionRoutes } from "./session_routes.ts";
import { dashboardAdmission } from "./ws_route.ts";

/** Launcher request bodies are small JSON or forms; anything larger is refused. */
const MAX_BODY_BYTES = 64 * 1024;

/** Lets `/api/*` through only with a valid session (401 JSON otherwise); `/api/auth/status` is open. */
function requireSession(ctx: LauncherContext): MiddlewareHandler<LauncherEnv> {
  return async function requireSession(c, next) {
    if (c.req.path === "/api/auth/status") return await next();
    if (!(await ctx.sessions.check(c)).ok) throw new PicoclawError("unauthorized", "Sign in to the dashboard first");
    await next();
  };
}

/**
 * The launcher's Hono app (SPEC §5): security headers and CSRF checks on everything, the
 * embedded assets, sign-in routes, the logged-in API and the dashboard chat socket.
 */
export function createLauncherApp(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();
  const assets = buildAssets();
  app.onError(createErrorHandler(ctx.log));
  app.notFound(async (c) => {
    if (c.req.path.startsWith("/api/") || (await ctx.sessions.check(c)).ok) {
      return errorResponse(c, new PicoclawError("not_found", `No route for ${c.req.method} ${c.req.path}`));
    }
    // A page without a session goes to the sign-in page.
    return c.redirect("/", 303);
  });
  app.use(launcherHeaders());
  app.use(async function allowedHostsOnly(c, next) {
    ctx.guard.checkHost(c);
    await next();
  });
  app.use(sameOriginOnly((c) => ctx.guard.ownOrigin(c)));
  app.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PicoclawError("payload_too_large", `The request body is over ${MAX_BODY_BYTES} bytes`);
    },
  }));
  app.use("/api/*", requireSession(ctx));

  app.get("/assets/:name", (c) => {
    const asset = assets.get(c.req.param("name"));
    if (!asset) throw new PicoclawError("not_found", "No such asset");
    return c.body(asset.body, 200, { "Content-Type": asset.contentType, "Cache-Control": "no-cache" });
  });
  app.route("/", createAuthRoutes(ctx));
  app.get("/pico/ws", createPicoSocketRoute(ctx.channel, dashboardAdmission(ctx)));
  app.route("/", createApiRoutes(ctx));
  app.route("/", createChannelRoutes(ctx));
  app.route("/", createSessionRoutes(ctx));
  return app;
}

import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createPicoSocketRoute } from "../channel/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { createErrorHandler, errorResponse, OPENAPI_PATH, type OpenApiInfo, openApiRoute } from "../http/mod.ts";
import { VERSION } from "../version/mod.ts";
import { createAgentRoutes } from "./agent_routes.ts";
import { createApiRoutes } from "./api_routes.ts";
import { buildAssets, MANIFEST } from "./assets.ts";
import { createAuthRoutes } from "./auth_routes.ts";
import { createChannelRoutes } from "./channel_routes.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";
import { createLogRoutes } from "./log_routes.ts";
import { launcherHeaders, sameOriginOnly } from "./protect.ts";
import { createSecurityRoutes } from "./security_routes.ts";
import { createSessionRoutes } from "./session_routes.ts";
import { dashboardAdmission } from "./ws_route.ts";

/** Launcher request bodies are small JSON or forms; anything larger is refused. */
const MAX_BODY_BYTES = 64 * 1024;

/** What the launcher's OpenAPI document says about it, and how a caller authenticates. */
export const LAUNCHER_OPENAPI: OpenApiInfo = {
  title: "PicoClaw launcher",
  description: "The dashboard's HTTP API. Sign in with `POST /login` (the launcher token); the session " +
    "cookie `picoclaw_session` then authenticates every `/api/*` route. CSRF: a POST/PUT/PATCH/DELETE whose " +
    "`Origin` (or, lacking it, `Referer`) is not the launcher's own origin is refused with 403 `csrf`; " +
    "requests with neither header (curl, scripts) pass. State-changing `/api/*` routes take `application/json` " +
    "only (415 otherwise). Too many failed sign-ins from one IP answer 429 `rate_limited`.",
  version: VERSION,
  securitySchemes: {
    session: {
      type: "apiKey",
      in: "cookie",
      name: "picoclaw_session",
      description: "Set by `POST /login`, `POST /setup` or `GET /?token=`; HttpOnly, SameSite=Strict, 7 days. " +
        "State-changing requests must come from the launcher's own origin (or carry no Origin/Referer).",
    },
  },
};

/** The launcher's paths that are not in the OpenAPI document, and why (the route-coverage test reads this). */
export const LAUNCHER_UNDOCUMENTED: Readonly<Record<string, string>> = {
  "/assets/:name": "the dashboard's static files (scripts, styles, icons)",
  "/manifest.webmanifest": "the web app manifest (a static file for phones' home screens)",
  "/pico/ws":
    "the dashboard chat WebSocket: the Pico protocol of docs/protocol.md, OpenAPI does not describe WebSockets",
  [OPENAPI_PATH]: "the document itself",
};

/** Open `/api/*` paths: the sign-in state and this API's description. */
const OPEN_API_PATHS = new Set(["/api/auth/status", OPENAPI_PATH]);

/** Lets `/api/*` through only with a valid session (401 JSON otherwise); `OPEN_API_PATHS` are open. */
function requireSession(ctx: LauncherContext): MiddlewareHandler<LauncherEnv> {
  return async function requireSession(c, next) {
    if (OPEN_API_PATHS.has(c.req.path)) return await next();
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
  app.get(OPENAPI_PATH, openApiRoute(app, LAUNCHER_OPENAPI));

  app.get("/assets/:name", (c) => {
    const asset = assets.get(c.req.param("name"));
    if (!asset) throw new PicoclawError("not_found", "No such asset");
    const headers = { "Content-Type": asset.contentType, "Cache-Control": asset.cacheControl ?? "no-cache" };
    return typeof asset.body === "string" ? c.body(asset.body, 200, headers) : c.body(asset.body, 200, headers);
  });
  // A phone adds the dashboard to its home screen from this; it holds nothing secret, so no session.
  app.get("/manifest.webmanifest", (c) => {
    return c.body(MANIFEST.body, 200, { "Content-Type": MANIFEST.contentType, "Cache-Control": "no-cache" });
  });
  app.route("/", createAuthRoutes(ctx));
  app.get("/pico/ws", createPicoSocketRoute(ctx.channel, dashboardAdmission(ctx)));
  app.route("/", createApiRoutes(ctx));
  app.route("/", createAgentRoutes(ctx));
  app.route("/", createChannelRoutes(ctx));
  app.route("/", createSessionRoutes(ctx));
  app.route("/", createLogRoutes(ctx));
  app.route("/", createSecurityRoutes(ctx));
  return app;
}

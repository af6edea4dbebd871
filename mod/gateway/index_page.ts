import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { OPENAPI_PATH } from "../http/mod.ts";
import { z } from "../zod/mod.ts";

/** What `GET /` says about the gateway (SPEC §3.4): no config, no token, nothing secret. */
export const GATEWAY_INDEX = {
  name: "PicoClaw gateway",
  websocket: ["/pico", "/pico/ws"],
  health: "/health",
  openapi: OPENAPI_PATH,
  docs: "docs/protocol.md in the PicoClaw project",
} as const;

/** The JSON form of `GET /`, for the OpenAPI document. */
export const GatewayIndexSchema = z.object({
  name: z.string(),
  websocket: z.array(z.string()),
  health: z.string(),
  openapi: z.string(),
  docs: z.string(),
});

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PicoClaw gateway</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#8882;padding:0 .2em}</style>
</head>
<body>
<h1>PicoClaw gateway</h1>
<p>This is the gateway of a PicoClaw assistant. It has no web pages of its own: the dashboard is the launcher (port 18800 by default).</p>
<ul>
<li>Pico Channel WebSocket: <code>/pico</code> (also <code>/pico/ws</code>), with the Pico token as <code>Authorization: Bearer &lt;token&gt;</code> or the <code>token.&lt;token&gt;</code> subprotocol</li>
<li>Liveness: <a href="/health"><code>/health</code></a></li>
<li>HTTP API (OpenAPI 3.1): <a href="${OPENAPI_PATH}"><code>${OPENAPI_PATH}</code></a></li>
<li>Protocol documentation: <code>docs/protocol.md</code> in the PicoClaw project</li>
</ul>
</body>
</html>
`;

/** `GET /`: a small HTML page saying what this is, or JSON when the client's `Accept` prefers it. */
export function gatewayIndex(c: Context): Response {
  const type = accepts(c, { header: "Accept", supports: ["text/html", "application/json"], default: "text/html" });
  if (type === "application/json") return c.json(GATEWAY_INDEX);
  return c.html(PAGE, 200, { "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'" });
}

/**
 * @module
 * The launcher dashboard (SPEC §5) on 127.0.0.1:18800: launcher token resolution, sign-in
 * with HMAC session cookies and a brute-force limit, the logged-in API, the dashboard chat
 * socket, and the embedded web UI from `web/`.
 */

export { createLauncherApp, LAUNCHER_OPENAPI, LAUNCHER_UNDOCUMENTED } from "./app.ts";
export { buildAssets } from "./assets.ts";
export { consoleText, startLineFields } from "./console.ts";
export type { LauncherContext, LauncherEnv } from "./context.ts";
export {
  createLauncherContext,
  type Launcher,
  type LauncherOptions,
  startLauncher,
  startLauncherBindingFirst,
} from "./server.ts";
export { isInitialized, type LauncherToken, type LauncherTokenSource, resolveLauncherToken } from "./token.ts";

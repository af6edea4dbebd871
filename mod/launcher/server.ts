import type { PicoChannel } from "../channel/mod.ts";
import type { ConfigStore } from "../config/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import { listen } from "../http/mod.ts";
import { type Logger, LogRing } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { LoginGuard, type LoginLimiter, SessionManager } from "../session/mod.ts";
import { createLauncherApp } from "./app.ts";
import type { LauncherContext } from "./context.ts";
import type { LauncherToken } from "./token.ts";
import { watchLauncherToken } from "./token_watch.ts";

/** What `createLauncherContext()` and `startLauncher()` need. */
export interface LauncherOptions {
  store: ConfigStore;
  token: LauncherToken;
  /** The in-process Pico channel (made by the app). */
  channel: PicoChannel;
  history: HistoryStore;
  /** The gateway's `/api/status` report. */
  gatewayStatus: () => Record<string, unknown>;
  log: Logger;
  /** The ring `log` writes to, for the Logs page. @default an empty ring */
  logs?: LogRing;
  metrics: Metrics;
  /** `127.0.0.1`, or `0.0.0.0` when public. */
  host: string;
  port: number;
  /** The brute-force limiter; tests pass one with a small cap. @default a new LoginLimiter */
  limiter?: LoginLimiter;
  /** The clock of sessions and the limiter (tests). @default Date.now */
  now?: () => number;
}

/** A running launcher dashboard. */
export interface Launcher {
  port: number;
  hostname: string;
  context: LauncherContext;
  stop(): Promise<void>;
}

/**
 * Builds what the launcher's routes share: sessions whose end closes their dashboard sockets
 * (4001), and the login guard reading the launcher settings live from the store.
 */
export function createLauncherContext(options: Omit<LauncherOptions, "host" | "port">): LauncherContext {
  const sessions = new SessionManager({ now: options.now });
  sessions.onEnd((ids) => options.channel.endLoginSessions(ids));
  return {
    store: options.store,
    token: options.token,
    sessions,
    guard: new LoginGuard({
      settings: () => options.store.launcher,
      log: options.log,
      metrics: options.metrics,
      limiter: options.limiter,
      now: options.now,
    }),
    channel: options.channel,
    history: options.history,
    gatewayStatus: options.gatewayStatus,
    log: options.log,
    logs: options.logs ?? new LogRing(),
    metrics: options.metrics,
  };
}

/** The server with the launcher's app once it has one; before that every request gets a 503. */
function bindLauncher(options: Omit<LauncherOptions, "token">) {
  let app: ReturnType<typeof createLauncherApp> | undefined;
  const server = listen({
    host: options.host,
    port: options.port,
    fetch: (req, srv) =>
      app ? app.fetch(req, srv) : new Response("starting", { status: 503, headers: { "Retry-After": "1" } }),
    websocket: options.channel.websocketHandler(),
    howToChange: "start with --port N or set port in launcher-config.json",
  });
  return {
    server,
    serve(token: LauncherToken): Launcher {
      const context = createLauncherContext({ ...options, token });
      app = createLauncherApp(context);
      options.log.info("launcher listening", { host: server.hostname, port: server.port });
      // `picoclaw token reset-launcher` from another shell takes effect at once.
      const stopWatching = watchLauncherToken(context);
      return {
        port: server.port!,
        hostname: server.hostname!,
        context,
        stop: async () => {
          stopWatching();
          await server.stop(true);
        },
      };
    },
  };
}

/**
 * Starts the launcher dashboard: one `Bun.serve` with the Hono app and the dashboard chat
 * socket, joined to the app's Pico channel; and follows launcher-config.json for a token reset.
 *
 * @throws {PicoclawError} `port_in_use`, naming the port and how to change it.
 */
export function startLauncher(options: LauncherOptions): Launcher {
  return bindLauncher(options).serve(options.token);
}

/**
 * Like `startLauncher()`, but binds the port BEFORE resolving the launcher token, so a port
 * that is taken fails (exit 1) before a new random token is written to launcher-config.json.
 *
 * @param options Everything but the token.
 * @param resolveToken Resolves (and may persist) the token; see `resolveLauncherToken()`.
 * @throws {PicoclawError} `port_in_use` with nothing written; `write_failed` from `resolveToken` (the port is freed).
 * @example
 * const launcher = await startLauncherBindingFirst(options, () => resolveLauncherToken(store));
 */
export async function startLauncherBindingFirst(
  options: Omit<LauncherOptions, "token">,
  resolveToken: () => Promise<LauncherToken>,
): Promise<Launcher> {
  const bound = bindLauncher(options);
  try {
    return bound.serve(await resolveToken());
  } catch (err) {
    await bound.server.stop(true);
    throw err;
  }
}

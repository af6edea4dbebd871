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

/**
 * Starts the launcher dashboard: one `Bun.serve` with the Hono app and the dashboard chat
 * socket, joined to the app's Pico channel; and follows launcher-config.json for a token reset.
 *
 * @throws {PicoclawError} `port_in_use`, naming the port and how to change it.
 */
export function startLauncher(options: LauncherOptions): Launcher {
  const context = createLauncherContext(options);
  const app = createLauncherApp(context);
  const server = listen({
    host: options.host,
    port: options.port,
    fetch: (req, srv) => app.fetch(req, srv),
    websocket: options.channel.websocketHandler(),
    howToChange: "start with --port N or set port in launcher-config.json",
  });
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
}

import type { ConfigStore } from "../config/mod.ts";
import type { Gateway } from "../gateway/mod.ts";
import { listen } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { LoginLimiter, SessionManager } from "../session/mod.ts";
import { createLauncherApp } from "./app.ts";
import type { LauncherContext } from "./context.ts";
import type { LauncherToken } from "./token.ts";

/** What `startLauncher()` needs. */
export interface LauncherOptions {
  store: ConfigStore;
  token: LauncherToken;
  gateway: Gateway;
  log: Logger;
  metrics: Metrics;
  /** `127.0.0.1`, or `0.0.0.0` when public. */
  host: string;
  port: number;
  /** The brute-force limiter; tests pass one with a small cap. @default a new LoginLimiter */
  limiter?: LoginLimiter;
}

/** A running launcher dashboard. */
export interface Launcher {
  port: number;
  hostname: string;
  context: LauncherContext;
  stop(): Promise<void>;
}

/**
 * Starts the launcher dashboard: one `Bun.serve` with the Hono app and the dashboard chat
 * socket, sharing the gateway's Pico channel.
 *
 * @throws {PicoclawError} `port_in_use`, naming the port and how to change it.
 */
export function startLauncher(options: LauncherOptions): Launcher {
  const context: LauncherContext = {
    store: options.store,
    token: options.token,
    sessions: new SessionManager(),
    limiter: options.limiter ?? new LoginLimiter(),
    gateway: options.gateway,
    log: options.log,
    metrics: options.metrics,
  };
  const app = createLauncherApp(context);
  const server = listen({
    host: options.host,
    port: options.port,
    fetch: (req, srv) => app.fetch(req, srv),
    websocket: options.gateway.channel.websocketHandler(),
    howToChange: "start with --port N or set port in launcher-config.json",
  });
  options.log.info("launcher listening", { host: server.hostname, port: server.port });
  return {
    port: server.port!,
    hostname: server.hostname!,
    context,
    stop: async () => {
      await server.stop(true);
    },
  };
}

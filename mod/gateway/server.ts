import type { Server } from "bun";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Agent } from "../agent/mod.ts";
import { type ConnectionState, PicoChannel } from "../channel/mod.ts";
import type { Config } from "../config/mod.ts";
import { createErrorHandler, handleNotFound, listen } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { PicoClientStatus } from "../pico/mod.ts";
import { VERSION } from "../version/mod.ts";
import { createApi, type StatusReport } from "./api.ts";
import { createPicoRoute } from "./pico_route.ts";

/** What `startGateway()` needs: its config slices, the agent, a logger and the metrics. */
export interface GatewayOptions {
  gateway: Config["gateway"];
  pico: Config["channels"]["pico"];
  agent: Agent;
  log: Logger;
  metrics: Metrics;
  /** The Pico client's state, for `/api/status`. */
  picoClientStatus?: () => PicoClientStatus;
}

/** A running gateway. */
export interface Gateway {
  /** The bound port (useful with port 0). */
  port: number;
  hostname: string;
  channel: PicoChannel;
  /** What `/api/status` reports. */
  status(): StatusReport;
  /** Stops accepting, closes every WebSocket with 1001 and stops the server. */
  stop(): Promise<void>;
}

const NO_CLIENT = (): PicoClientStatus => ({
  enabled: false,
  connected: false,
  state: "disconnected",
  last_error: null,
  connected_since: null,
  reconnects: 0,
  next_retry_in_s: null,
});

/** Builds the gateway's Hono app around a channel: `/health`, `/pico`, `/api/*`, `/metrics`. */
export function createGatewayApp(options: GatewayOptions & { channel: PicoChannel; status: () => StatusReport }) {
  const app = new Hono<{ Bindings: Server<ConnectionState> }>();
  app.onError(createErrorHandler(options.log));
  app.notFound(handleNotFound);
  app.use(secureHeaders({ referrerPolicy: "no-referrer", xContentTypeOptions: true, strictTransportSecurity: false }));
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.all("/pico", createPicoRoute(options));
  const api = createApi(options);
  app.route("/", api);
  return app;
}

/**
 * Starts the gateway on `gateway.host:gateway.port`: one `Bun.serve` with the Hono app
 * and Bun's native WebSocket upgrade for `/pico`.
 *
 * @throws {PicoclawError} `port_in_use`, naming the port and the setting that changes it.
 */
export function startGateway(options: GatewayOptions): Gateway {
  const startedAt = Date.now();
  const channel = new PicoChannel(options);
  const picoClientStatus = options.picoClientStatus ?? NO_CLIENT;
  const status = (): StatusReport => ({
    version: VERSION,
    uptime_s: Math.floor((Date.now() - startedAt) / 1000),
    pico: channel.status(),
    pico_client: picoClientStatus(),
    agent: { provider: options.agent.provider, model: options.agent.model },
  });
  const app = createGatewayApp({ ...options, channel, status });
  let server: Server<ConnectionState>;
  try {
    server = listen({
      host: options.gateway.host,
      port: options.gateway.port,
      fetch: (req, srv) => app.fetch(req, srv),
      websocket: channel.websocketHandler(),
      howToChange: "change gateway.port in config.json or set PICOCLAW_GATEWAY_PORT",
    });
  } catch (err) {
    void channel.close();
    throw err;
  }
  options.log.info("gateway listening", {
    host: server.hostname,
    port: server.port,
    pico: channel.enabled ? "enabled" : "disabled",
    agent: options.agent.provider,
  });
  return {
    port: server.port!,
    hostname: server.hostname!,
    channel,
    status,
    stop: async () => {
      await channel.close();
      await server.stop(true);
    },
  };
}

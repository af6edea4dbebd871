import type { Server } from "bun";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Agent } from "../agent/mod.ts";
import type { ChatAppStatus } from "../chat_app/mod.ts";
import { type ConnectionState, createPicoSocketRoute, type PicoChannel, tokenAdmission } from "../channel/mod.ts";
import type { ClusterStatus } from "../cluster/mod.ts";
import type { ConfigStore } from "../config/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import {
  createErrorHandler,
  describe,
  handleNotFound,
  listen,
  OPENAPI_PATH,
  type OpenApiInfo,
  openApiRoute,
} from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { PicoClientStatus } from "../pico/mod.ts";
import { VERSION } from "../version/mod.ts";
import { z } from "../zod/mod.ts";
import { createApi, type StatusReport } from "./api.ts";
import { gatewayIndex, GatewayIndexSchema } from "./index_page.ts";

/** What `startGateway()` needs: the config store, the Pico channel (made by the app), the agent, a logger, the metrics. */
export interface GatewayOptions {
  store: ConfigStore;
  channel: PicoChannel;
  history: HistoryStore;
  agent: Agent;
  log: Logger;
  metrics: Metrics;
  /** The Pico client's state, for `/api/status`. */
  picoClientStatus?: () => PicoClientStatus;
  /** The Telegram channel's state, for `/api/status` `telegram`. */
  telegramStatus?: () => ChatAppStatus;
  /** The Discord channel's state, for `/api/status` `discord` (SPEC §8). */
  discordStatus?: () => ChatAppStatus;
  /** The cluster's state for `/api/status` (SPEC §9); absent or `undefined` in one process. */
  clusterStatus?: () => ClusterStatus | undefined;
}

/** A running gateway. */
export interface Gateway {
  /** The bound port (useful with port 0). */
  port: number;
  hostname: string;
  /** What `/api/status` reports. */
  status(): StatusReport;
  /** Stops accepting, closes every WebSocket with 1001 and stops the server. */
  stop(): Promise<void>;
}

const NO_CHAT_APP = (): ChatAppStatus => ({ enabled: false, state: "disabled", last_error: null, bot: null });

const NO_CLIENT = (): PicoClientStatus => ({
  enabled: false,
  connected: false,
  state: "disconnected",
  last_error: null,
  connected_since: null,
  reconnects: 0,
  next_retry_in_s: null,
});

/** What the gateway's OpenAPI document says about it, and its one security scheme. */
export const GATEWAY_OPENAPI: OpenApiInfo = {
  title: "PicoClaw gateway",
  description: "The gateway's HTTP API. Every `/api/*` route and `/metrics` need the Pico token as " +
    "`Authorization: Bearer <token>`. The Pico Channel WebSocket (`/pico`, `/pico/ws`) is described in docs/protocol.md.",
  version: VERSION,
  securitySchemes: {
    picoToken: { type: "http", scheme: "bearer", description: "The Pico token (`channels.pico.token`)" },
  },
};

/** The gateway's paths that are not in the OpenAPI document, and why (the route-coverage test reads this). */
export const GATEWAY_UNDOCUMENTED: Readonly<Record<string, string>> = {
  "/pico": "the Pico Channel WebSocket: documented in docs/protocol.md, OpenAPI does not describe WebSockets",
  "/pico/ws": "the same WebSocket endpoint as /pico",
  [OPENAPI_PATH]: "the document itself",
};

const HealthSchema = z.object({ status: z.literal("ok") });

/**
 * Builds the gateway's Hono app: `/` (what this is), `/health`, `/pico` and `/pico/ws` (the same endpoint: the
 * path the Go PicoClaw uses), `/api/*`, `/metrics`.
 */
export function createGatewayApp(options: GatewayOptions & { status: () => StatusReport }) {
  const { store, channel, log, metrics } = options;
  const app = new Hono<{ Bindings: Server<ConnectionState> }>();
  app.onError(createErrorHandler(log));
  app.notFound(handleNotFound);
  app.use(secureHeaders({ referrerPolicy: "no-referrer", xContentTypeOptions: true, strictTransportSecurity: false }));
  app.get(OPENAPI_PATH, openApiRoute(app, GATEWAY_OPENAPI));
  app.get(
    "/",
    describe({
      summary: "What this server is: a small HTML page, or JSON when Accept asks for it",
      tags: ["status"],
      public: true,
      response: GatewayIndexSchema,
      responses: { "200": { description: "The page (or JSON)", media: "text/html" } },
    }),
    gatewayIndex,
  );
  app.get(
    "/health",
    describe({ summary: "Liveness", tags: ["status"], public: true, response: HealthSchema }),
    (c) => c.json({ status: "ok" }),
  );
  const picoSocket = createPicoSocketRoute(
    channel,
    tokenAdmission({ pico: () => store.config.channels.pico, log, metrics }),
  );
  app.all("/pico", picoSocket);
  app.all("/pico/ws", picoSocket);
  app.route("/", createApi(options));
  return app;
}

/**
 * Starts the gateway on `gateway.host:gateway.port`: one `Bun.serve` with the Hono app
 * and Bun's native WebSocket upgrade for the Pico channel.
 *
 * @throws {PicoclawError} `port_in_use`, naming the port and the setting that changes it.
 */
export function startGateway(options: GatewayOptions): Gateway {
  const startedAt = Date.now();
  const { channel, store } = options;
  const picoClientStatus = options.picoClientStatus ?? NO_CLIENT;
  const telegramStatus = options.telegramStatus ?? NO_CHAT_APP;
  const discordStatus = options.discordStatus ?? NO_CHAT_APP;
  const status = (): StatusReport => {
    const report: StatusReport = {
      version: VERSION,
      uptime_s: Math.floor((Date.now() - startedAt) / 1000),
      pico: channel.status(),
      pico_client: picoClientStatus(),
      telegram: telegramStatus(),
      discord: discordStatus(),
      agent: { provider: options.agent.provider, model: options.agent.model },
    };
    const cluster = options.clusterStatus?.();
    if (cluster) report.cluster = cluster;
    return report;
  };
  const app = createGatewayApp({ ...options, status });
  const { host, port } = store.config.gateway;
  const server = listen({
    host,
    port,
    fetch: (req, srv) => app.fetch(req, srv),
    websocket: channel.websocketHandler(),
    howToChange: "change gateway.port in config.json or set PICOCLAW_GATEWAY_PORT",
  });
  options.log.info("gateway listening", {
    host: server.hostname,
    port: server.port,
    pico: channel.enabled ? "enabled" : "disabled",
    agent: options.agent.provider,
  });
  return {
    port: server.port!,
    hostname: server.hostname!,
    status,
    stop: async () => {
      await channel.close();
      await server.stop(true);
    },
  };
}

import { Hono } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";

/** What `startGateway()` needs: its own config slice and a logger. */
export interface GatewayOptions {
  host: string;
  port: number;
  log: Logger;
}

/** A running gateway. */
export interface Gateway {
  /** The bound port (useful with port 0). */
  port: number;
  hostname: string;
  /** Stops accepting, closes every WebSocket with 1001 and stops the server. */
  stop(): Promise<void>;
}

/** The gateway's Hono app. */
export function createGatewayApp(): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok" }));
  return app;
}

/** True when `err` is Bun's "address in use" error. */
export function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "EADDRINUSE" || /address.*in use|EADDRINUSE/i.test(e?.message ?? "");
}

/**
 * Starts the gateway on `host:port`.
 * @throws {PicoclawError} `port_in_use`, naming the port and the setting that changes it.
 */
export function startGateway(options: GatewayOptions): Gateway {
  const app = createGatewayApp();
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ hostname: options.host, port: options.port, fetch: app.fetch });
  } catch (err) {
    if (isAddressInUse(err)) {
      throw new PicoclawError(
        "port_in_use",
        `Cannot listen on ${options.host}:${options.port}: the port is in use; ` +
          "change gateway.port in config.json or set PICOCLAW_GATEWAY_PORT",
        { cause: err },
      );
    }
    throw err;
  }
  options.log.info("gateway listening", { host: server.hostname, port: server.port });
  return {
    port: server.port!,
    hostname: server.hostname!,
    stop: async () => {
      await server.stop(true);
    },
  };
}

import type { Server, WebSocketHandler } from "bun";
import { PicoclawError } from "../errors/mod.ts";

/** True when `err` is Bun's "address in use" error. */
export function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "EADDRINUSE" || /address.*in use|EADDRINUSE/i.test(e?.message ?? "");
}

/** What `listen()` serves, and what to tell the user when the port is taken. */
export interface ListenOptions<T> {
  host: string;
  port: number;
  /** The app's fetch; it gets Bun's server as its env (for upgrades and the client address). */
  fetch: (req: Request, server: Server<T>) => Response | Promise<Response>;
  websocket: WebSocketHandler<T>;
  /** How to pick another port, e.g. "start with --port N". */
  howToChange: string;
}

/**
 * Starts `Bun.serve` for one of the two servers.
 * @throws {PicoclawError} `port_in_use`, naming the address and the setting that changes it.
 */
export function listen<T>(options: ListenOptions<T>): Server<T> {
  try {
    return Bun.serve<T>({
      hostname: options.host,
      port: options.port,
      fetch: options.fetch,
      websocket: options.websocket,
    });
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    throw new PicoclawError(
      "port_in_use",
      `Cannot listen on ${options.host}:${options.port}: the port is in use; ${options.howToChange}`,
      { cause: err },
    );
  }
}

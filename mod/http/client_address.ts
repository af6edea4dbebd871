import type { Context } from "hono";
import type { Server } from "bun";

/** The TCP peer address of a request served by `Bun.serve` (never a forwarded header). */
export function clientAddress(c: Context): string {
  const server = c.env as Server<unknown> | undefined;
  return server?.requestIP?.(c.req.raw)?.address ?? "unknown";
}

import type { Server } from "bun";
import type { Context } from "hono";

/** The TCP peer address of a request served by `Bun.serve` (never a forwarded header). */
export function clientAddress(c: Context): string {
  const server = c.env as Server<unknown> | undefined;
  return server?.requestIP?.(c.req.raw)?.address ?? "unknown";
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/**
 * The client's IP for rate limits and logs: the TCP peer, except that a loopback peer (a
 * reverse proxy on this machine) may name the client in `X-Forwarded-For`, whose last entry
 * is the address that proxy saw. Remote peers' forwarded headers are ignored.
 */
export function clientIp(c: Context): string {
  const peer = clientAddress(c);
  if (!isLoopbackAddress(peer)) return peer;
  const forwarded = c.req.header("x-forwarded-for")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return forwarded?.at(-1) ?? peer;
}

/** True when the request came over HTTPS: `X-Forwarded-Proto: https`, trusted only from loopback proxies. */
export function isHttpsRequest(c: Context): boolean {
  return c.req.header("x-forwarded-proto")?.toLowerCase() === "https" && isLoopbackAddress(clientAddress(c));
}

/** The host this request addressed: its `Host` header, or the URL's host. */
export function requestHost(c: Context): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}

/** The origin this request addressed: `http(s)://<Host>`. */
export function requestOrigin(c: Context): string {
  return `${isHttpsRequest(c) ? "https" : "http"}://${requestHost(c)}`;
}

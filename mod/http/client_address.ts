import type { Server } from "bun";
import type { Context } from "hono";
import { inNetworks, type IpNetwork, normalizeIp } from "../config/mod.ts";

/** The TCP peer address of a request served by `Bun.serve` (never a forwarded header). */
export function clientAddress(c: Context): string {
  const server = c.env as Server<unknown> | undefined;
  return normalizeIp(server?.requestIP?.(c.req.raw)?.address ?? "unknown");
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = normalizeIp(address);
  return v4.startsWith("127.") || v4 === "::1";
}

/** Forwarded addresses are cut to this length: they are only keys and log values. */
const MAX_FORWARDED_ADDRESS = 64;
/** At most this many hops of `X-Forwarded-For` are read. */
const MAX_FORWARDED_HOPS = 32;

/** The `for=` addresses of a `Forwarded` header (RFC 7239), quotes, brackets and ports removed. */
function forwardedFor(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(",")) {
    const match = /(?:^|;)\s*for=("?)\[?([^\]";]+)\]?(?::\d+)?\1\s*(?:;|$)/i.exec(element.trim());
    if (match) out.push(match[2]);
  }
  return out;
}

/**
 * The client's IP (SPEC §5.4): the TCP peer, unless the peer is one of `trusted` proxies; then
 * the right-most address of `X-Forwarded-For` (or `Forwarded: for=`) that is not itself a
 * trusted proxy. With no trusted proxies (the default) forwarded headers are never read, so a
 * client cannot pick the address the limiter counts and the log blames.
 *
 * @param trusted The parsed `trusted_proxies`.
 * @example
 * clientIp(c, [parseNetwork("127.0.0.1")!]); // behind a proxy on this machine
 */
export function clientIp(c: Context, trusted: readonly IpNetwork[]): string {
  const peer = clientAddress(c);
  if (trusted.length === 0 || !inNetworks(peer, trusted)) return peer;
  const xff = c.req.header("x-forwarded-for");
  const forwarded = c.req.header("forwarded");
  const hops = (xff !== undefined ? xff.split(",") : forwarded !== undefined ? forwardedFor(forwarded) : [])
    .map((s) => normalizeIp(s.trim()).slice(0, MAX_FORWARDED_ADDRESS))
    .filter((s) => s !== "")
    .slice(-MAX_FORWARDED_HOPS);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!inNetworks(hops[i], trusted)) return hops[i];
  }
  return hops[0] ?? peer;
}

/** True when the request came over HTTPS: `X-Forwarded-Proto: https`, believed only from a trusted proxy. */
export function isHttpsRequest(c: Context, trusted: readonly IpNetwork[]): boolean {
  return c.req.header("x-forwarded-proto")?.toLowerCase() === "https" && trusted.length > 0 &&
    inNetworks(clientAddress(c), trusted);
}

/** The host this request addressed: its `Host` header, or the URL's host. */
export function requestHost(c: Context): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}

/** The origin this request addressed: `http(s)://<Host>`. */
export function requestOrigin(c: Context, trusted: readonly IpNetwork[]): string {
  return `${isHttpsRequest(c, trusted) ? "https" : "http"}://${requestHost(c)}`;
}

/** The host name of a `Host` header value, lower-cased, without port or IPv6 brackets' port. */
export function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  return lower.replace(/:\d*$/, "");
}

/** True for `localhost`, `*.localhost`, `127.0.0.1` and `[::1]` (any port). */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host);
  return name === "localhost" || name.endsWith(".localhost") || name === "127.0.0.1" || name === "[::1]";
}

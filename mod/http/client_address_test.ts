import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { type IpNetwork, parseNetwork } from "../config/mod.ts";
import { clientIp } from "./client_address.ts";

/** Parses trusted-proxy entries the way `launcher-config.json`'s `trusted_proxies` are parsed. */
function networks(...entries: string[]): IpNetwork[] {
  return entries.map((entry) => {
    const network = parseNetwork(entry);
    if (!network) throw new Error(`Cannot parse network: ${entry}`);
    return network;
  });
}

/**
 * Asks an app that answers `clientIp()` as if the TCP peer were `peer` (the `env` Bun.serve
 * passes to `fetch` carries `requestIP`, as in tests/helpers/launcher.ts).
 */
async function ipSeen(trusted: IpNetwork[], peer: string, headers: Record<string, string> = {}): Promise<string> {
  const app = new Hono();
  app.get("/ip", (c) => c.text(clientIp(c, trusted)));
  const env = { requestIP: () => ({ address: peer, family: peer.includes(":") ? "IPv6" : "IPv4", port: 40000 }) };
  const res = await app.request("/ip", { headers }, env);
  return await res.text();
}

describe("clientIp()", () => {
  test("clientIp() ignores X-Forwarded-For and Forwarded when no proxy is trusted", async () => {
    expect(await ipSeen([], "203.0.113.9", { "x-forwarded-for": "1.2.3.4" })).toBe("203.0.113.9");
    expect(await ipSeen([], "203.0.113.9", { forwarded: "for=1.2.3.4" })).toBe("203.0.113.9");
  });

  test("clientIp() ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const trusted = networks("10.0.0.1");
    expect(await ipSeen(trusted, "203.0.113.9", { "x-forwarded-for": "1.2.3.4" })).toBe("203.0.113.9");
  });

  test("clientIp() takes the right-most untrusted hop from a trusted peer", async () => {
    const trusted = networks("10.0.0.1");
    // The client may write anything left of what the proxy appended; only the right-most counts.
    const xff = "6.6.6.6, 198.51.100.7";
    expect(await ipSeen(trusted, "10.0.0.1", { "x-forwarded-for": xff })).toBe("198.51.100.7");
  });

  test("clientIp() skips a chain of trusted proxies", async () => {
    const trusted = networks("10.0.0.1", "10.0.0.2", "10.0.0.3");
    const xff = "6.6.6.6, 198.51.100.7, 10.0.0.3, 10.0.0.2";
    expect(await ipSeen(trusted, "10.0.0.1", { "x-forwarded-for": xff })).toBe("198.51.100.7");
  });

  test("clientIp() answers the left-most hop when every hop is a trusted proxy", async () => {
    const trusted = networks("10.0.0.0/8");
    const xff = "10.1.1.1, 10.2.2.2, 10.3.3.3";
    expect(await ipSeen(trusted, "10.0.0.1", { "x-forwarded-for": xff })).toBe("10.1.1.1");
  });

  test("clientIp() trusts peers and hops by CIDR (IPv4 and IPv6)", async () => {
    const trusted = networks("192.168.0.0/16", "fd00::/8");
    const xff = "198.51.100.7, 192.168.44.5";
    expect(await ipSeen(trusted, "192.168.1.1", { "x-forwarded-for": xff })).toBe("198.51.100.7");
    expect(await ipSeen(trusted, "fd12::1", { "x-forwarded-for": "2001:db8::7, fd00::5" })).toBe("2001:db8::7");
    // Just outside the /16: not trusted, so its header is ignored.
    expect(await ipSeen(trusted, "192.169.0.1", { "x-forwarded-for": "1.2.3.4" })).toBe("192.169.0.1");
  });

  test("clientIp() reads Forwarded: for= from a trusted peer (quotes, brackets and ports removed)", async () => {
    const trusted = networks("10.0.0.1");
    const forwarded = 'for=6.6.6.6, for="[2001:db8::7]:4711";proto=https, for=10.0.0.1';
    expect(await ipSeen(trusted, "10.0.0.1", { forwarded })).toBe("2001:db8::7");
  });

  test("clientIp() answers the peer when a trusted proxy sends no forwarded header", async () => {
    expect(await ipSeen(networks("10.0.0.1"), "10.0.0.1")).toBe("10.0.0.1");
  });
});

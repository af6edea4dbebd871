import { describe, expect, test } from "bun:test";
import { inNetworks, isIpOrCidr, normalizeIp, parseNetwork } from "./ip.ts";

describe("parseNetwork()", () => {
  test("parseNetwork() reads addresses and CIDRs of both families", () => {
    expect(parseNetwork("10.1.2.3/8")).toEqual({ family: 4, base: 10n << 24n, prefix: 8 });
    expect(parseNetwork("::1")?.prefix).toBe(128);
    expect(parseNetwork("fd00::/8")?.family).toBe(6);
  });

  test("isIpOrCidr() refuses names, bad prefixes and junk", () => {
    for (const bad of ["localhost", "10.0.0.0/33", "::/129", "1.2.3.4/x", "1.2.3", "", "1.2.3.4/8/1"]) {
      expect(isIpOrCidr(bad)).toBe(false);
    }
  });
});

describe("inNetworks()", () => {
  test("inNetworks() matches inside the prefix only", () => {
    const nets = ["10.0.0.0/8", "192.168.1.7", "fd00::/8"].map((n) => parseNetwork(n)!);
    expect(inNetworks("10.200.3.4", nets)).toBe(true);
    expect(inNetworks("11.0.0.1", nets)).toBe(false);
    expect(inNetworks("192.168.1.7", nets)).toBe(true);
    expect(inNetworks("192.168.1.8", nets)).toBe(false);
    expect(inNetworks("fd12::5", nets)).toBe(true);
    expect(inNetworks("fe80::1", nets)).toBe(false);
  });

  test("inNetworks() treats IPv4-mapped IPv6 as IPv4", () => {
    expect(normalizeIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(inNetworks("::ffff:127.0.0.1", [parseNetwork("127.0.0.0/8")!])).toBe(true);
  });
});

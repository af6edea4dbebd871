import { isIP } from "node:net";

/** A parsed IP network: the address as a bigint, its family and the prefix length. */
export interface IpNetwork {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...fill, ...tailGroups].reduce((n, g) => (n << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

/**
 * Normalises an address for comparison: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes `1.2.3.4`,
 * and a zone (`fe80::1%eth0`) is dropped.
 */
export function normalizeIp(address: string): string {
  const plain = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  return mapped ? mapped[1] : plain;
}

/**
 * Parses `1.2.3.4`, `10.0.0.0/8`, `::1` or `fd00::/8` into a network; undefined when invalid.
 *
 * @example
 * parseNetwork("10.0.0.0/8"); // { family: 4, base: 167772160n, prefix: 8 }
 */
export function parseNetwork(text: string): IpNetwork | undefined {
  const [address, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const ip = normalizeIp(address);
  const family = isIP(ip);
  if (family !== 4 && family !== 6) return undefined;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? "0") || prefix > bits) return undefined;
  const value = family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  const host = BigInt(bits - prefix);
  return { family, base: (value >> host) << host, prefix };
}

/** True when `text` is an IP address or a CIDR network. */
export function isIpOrCidr(text: string): boolean {
  return parseNetwork(text) !== undefined;
}

/** True when `address` lies in one of `networks`. */
export function inNetworks(address: string, networks: readonly IpNetwork[]): boolean {
  const ip = parseNetwork(address);
  if (!ip) return false;
  return networks.some((net) => {
    if (net.family !== ip.family) return false;
    const host = BigInt((net.family === 4 ? 32 : 128) - net.prefix);
    return (ip.base >> host) === (net.base >> host);
  });
}

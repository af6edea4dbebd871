import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway, TOKEN } from "../helpers/gateway.ts";
import { makeTestLauncher, postJson, sessionCookie } from "../helpers/launcher.ts";
import { rawHandshake } from "../helpers/raw_ws.ts";

/** How a client presents a credential. */
type Method = "bearer" | "subprotocol" | "query";
/** What it presents. */
type Credential = "right" | "wrong" | "empty" | "missing" | "padded" | "prefix" | "suffix";
type Origin = "none" | "allowed" | "other";

const METHODS: Method[] = ["bearer", "subprotocol", "query"];
const CREDENTIALS: Credential[] = ["right", "wrong", "empty", "missing", "padded", "prefix", "suffix"];
const ORIGINS: Origin[] = ["none", "allowed", "other"];
const ALLOWED_ORIGIN = "http://allowed.test";

/** The credential's value as it goes on the wire, or undefined for `missing`. */
function valueOf(credential: Credential): string | undefined {
  switch (credential) {
    case "right":
      return TOKEN;
    case "wrong":
      return "not-the-pico-token-0123456789ab";
    case "empty":
      return "";
    case "missing":
      return undefined;
    case "padded":
      return `  ${TOKEN} `;
    case "prefix":
      return TOKEN.slice(0, -1);
    case "suffix":
      return `${TOKEN}x`;
  }
}

/** Path and headers for one request. */
function requestFor(path: string, method: Method, credential: Credential, origin: Origin) {
  const headers: Record<string, string> = {};
  if (origin === "allowed") headers.Origin = ALLOWED_ORIGIN;
  if (origin === "other") headers.Origin = "http://other.test";
  const value = valueOf(credential);
  let url = path;
  if (value !== undefined) {
    if (method === "bearer") headers.Authorization = `Bearer ${value}`;
    if (method === "subprotocol") {
      // "padded": white space around the list entry, where HTTP allows it.
      const entry = credential === "padded" ? `  token.${TOKEN} ` : `token.${value}`;
      headers["Sec-WebSocket-Protocol"] = `chat, ${entry}`;
    }
    if (method === "query") url = `${path}?token=${encodeURIComponent(value)}`;
  }
  return { url, headers };
}

/**
 * The spec's answer (SPEC §3.1, §3.4). White space around a Bearer token or a subprotocol
 * list entry is HTTP optional white space and is ignored; a query token must match exactly.
 */
function expected(path: string, method: Method, credential: Credential, allowQuery: boolean, origin: Origin): number {
  const tokenOk = credential === "right" || (credential === "padded" && method !== "query");
  if (path === "/pico") {
    if (origin === "other") return 403;
    const accepted = method === "query" ? allowQuery && credential === "right" : tokenOk;
    return accepted ? 101 : 401;
  }
  // /api/* and /metrics: Bearer only, never a query token or a subprotocol, no Origin check.
  return method === "bearer" && tokenOk ? 200 : 401;
}

const gateways: Record<"on" | "off", TestGateway> = {} as never;
beforeAll(() => {
  gateways.on = startTestGateway({ pico: { allow_token_query: true, allow_origins: [ALLOWED_ORIGIN] } });
  gateways.off = startTestGateway({ pico: { allow_token_query: false, allow_origins: [ALLOWED_ORIGIN] } });
});
afterAll(async () => {
  await gateways.on.stop();
  await gateways.off.stop();
});

describe("gateway auth matrix", () => {
  for (const path of ["/pico", "/api/status", "/metrics"]) {
    test(`${path}: every method × credential × allow_token_query × Origin gets the spec's status`, async () => {
      const mismatches: string[] = [];
      let checked = 0;
      for (const allow of ["on", "off"] as const) {
        for (const method of METHODS) {
          for (const credential of CREDENTIALS) {
            for (const origin of ORIGINS) {
              const { url, headers } = requestFor(path, method, credential, origin);
              const res = await rawHandshake(gateways[allow].port, url, { headers, plain: path !== "/pico" });
              res.close();
              const want = expected(path, method, credential, allow === "on", origin);
              checked++;
              if (res.status !== want) {
                mismatches.push(`${allow} ${method} ${credential} ${origin}: got ${res.status}, want ${want}`);
              }
              if (want === 401) expect(res.headers["www-authenticate"]).toStartWith("Bearer");
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBe(2 * METHODS.length * CREDENTIALS.length * ORIGINS.length);
    });
  }
});

describe("launcher session matrix", () => {
  test("missing, tampered (every character), expired, foreign-key and logged-out cookies get 401", async () => {
    let now = 10_000_000;
    const launcher = await makeTestLauncher({ now: () => now });
    const other = await makeTestLauncher();
    try {
      const status = async (cookie?: string) =>
        (await launcher.request("/api/status", { headers: cookie ? { cookie } : {} })).status;
      const valid = await launcher.login();
      const value = valid.slice("picoclaw_session=".length);
      const cases: [string, string | undefined][] = [["missing", undefined]];
      const alphabet = "0123456789abcdefABCDEF%.=+/-_";
      for (let i = 0; i < value.length; i++) {
        const swapped = alphabet[(alphabet.indexOf(value[i]) + 1) % alphabet.length];
        cases.push([`flip ${i}`, `picoclaw_session=${value.slice(0, i)}${swapped}${value.slice(i + 1)}`]);
      }
      cases.push(["other process key", await other.login()]);
      const loggedOut = await launcher.login();
      await launcher.request("/logout", postJson({}, loggedOut));
      cases.push(["after logout", loggedOut]);
      for (const [name, cookie] of cases) {
        expect({ name, status: await status(cookie) }).toEqual({ name, status: 401 });
      }
      expect(await status(valid)).toBe(200);
      now += 7 * 24 * 3600 * 1000;
      expect(await status(valid)).toBe(401);
      const fresh = sessionCookie(await launcher.request("/login", postJson({ token: launcher.token() })));
      expect(await status(fresh)).toBe(200);
    } finally {
      await other.stop();
      await launcher.stop();
    }
  });
});

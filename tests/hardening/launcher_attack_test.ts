/**
 * The launcher attacks found on 127.0.0.1 (issue "Hardening II"), replayed against the compiled
 * binary over real sockets: each test failed on the release before the fix.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { perTest } from "../helpers/per_test.ts";
import type { TempHome } from "../helpers/temp_home.ts";

const each = perTest();

/** Starts `picoclaw` (launcher mode) in a temp home; returns the dashboard's base URL, token and the home. */
async function startLauncher(files: Record<string, string> = {}) {
  const home = each.home(files);
  const started = await each.startConsole(home.path);
  return { base: `http://127.0.0.1:${started.port}`, port: started.port, token: started.token, home };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function login(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/login`, json({ token }));
  expect(res.status).toBe(200);
  return res.headers.getSetCookie()[0].split(";")[0];
}

function logText(home: TempHome): string {
  return readFileSync(home.file("logs/launcher.log"), "utf8");
}

/** Opens the dashboard socket with a session cookie and the launcher's own Origin. */
function openDashboardSocket(base: string, cookie: string): Promise<WebSocket> {
  const socket = new WebSocket(`${base.replace("http", "ws")}/pico/ws`, {
    headers: { cookie, origin: base },
  } as never);
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve(socket), { once: true });
    socket.addEventListener("error", () => reject(new Error("dashboard socket refused")), { once: true });
  });
}

function closeCode(socket: WebSocket, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("socket still open")), timeoutMs);
    socket.addEventListener("close", (e) => {
      clearTimeout(timer);
      resolve(e.code);
    }, { once: true });
  });
}

describe("login limiter under attack (process)", () => {
  test("300 concurrent wrong logins from one IP: at most 10 answered 401, the rest 429", async () => {
    const { base } = await startLauncher();
    const statuses = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => fetch(`${base}/login`, json({ token: `guess-${i}` })).then((r) => r.status),
      ),
    );
    const counts = { 401: statuses.filter((s) => s === 401).length, 429: statuses.filter((s) => s === 429).length };
    expect(counts[401]).toBeLessThanOrEqual(10);
    expect(counts[401] + counts[429]).toBe(300);
  });

  test("a rotating X-Forwarded-For from loopback does not reset the limit, and the log blames the peer", async () => {
    const { base, token, home } = await startLauncher();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${base}/login`, json({ token: `guess-${i}` }, { "x-forwarded-for": `198.51.100.${i}` }));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    // Even the right token waits for the window.
    expect((await fetch(`${base}/login`, json({ token }))).status).toBe(429);
    const failures = logText(home).split("\n").filter((l) => l.includes("login failed"));
    expect(failures.length).toBe(10);
    for (const line of failures) expect(line).toContain("login failed ip=127.0.0.1 via=login");
    expect(logText(home)).not.toContain("198.51.100.");
  });

  test("behind a proxy in trusted_proxies, the forwarded client is the one limited", async () => {
    const files = { "launcher-config.json": JSON.stringify({ trusted_proxies: ["127.0.0.1"] }) };
    const { base, token, home } = await startLauncher(files);
    for (let i = 0; i < 10; i++) {
      await fetch(`${base}/login`, json({ token: "wrong-guess" }, { "x-forwarded-for": "198.51.100.7, 127.0.0.1" }));
    }
    const limited = await fetch(`${base}/login`, json({ token }, { "x-forwarded-for": "198.51.100.7" }));
    expect(limited.status).toBe(429);
    const other = await fetch(`${base}/login`, json({ token }, { "x-forwarded-for": "198.51.100.8" }));
    expect(other.status).toBe(200);
    expect(logText(home)).toContain("login failed ip=198.51.100.7 via=login");
  });
});

describe("Host check (process)", () => {
  test("a DNS-rebinding Host is refused with 403 host_not_allowed; loopback names and allowed_hosts pass", async () => {
    const files = { "launcher-config.json": JSON.stringify({ allowed_hosts: ["pi.example.lan"] }) };
    const { base, token } = await startLauncher(files);
    const rebound = await fetch(`${base}/login`, json({ token }, { host: "attacker.example" }));
    expect(rebound.status).toBe(403);
    const body = await rebound.json();
    expect(body.error).toBe("host_not_allowed");
    expect(body.message).toContain("allowed_hosts");
    for (const host of ["localhost:1234", "app.localhost", "127.0.0.1", "[::1]:80", "pi.example.lan:18800"]) {
      expect((await fetch(`${base}/api/auth/status`, { headers: { host } })).status).toBe(200);
    }
  });
});

describe("?token= from another site (process)", () => {
  test("cross-site ?token= requests are refused 403, not counted, and the owner still signs in", async () => {
    const { base, token, home } = await startLauncher();
    for (let i = 0; i < 11; i++) {
      const res = await fetch(`${base}/?token=x${i}`, {
        headers: { "sec-fetch-site": "cross-site" },
        redirect: "manual",
      });
      expect(res.status).toBe(403);
    }
    const foreign = await fetch(`${base}/?token=y`, {
      headers: { origin: "https://evil.example" },
      redirect: "manual",
    });
    expect(foreign.status).toBe(403);
    const owner = await fetch(`${base}/?token=${token}`, { headers: { "sec-fetch-site": "none" }, redirect: "manual" });
    expect(owner.status).toBe(303);
    expect(logText(home)).not.toContain("login failed");
  });
});

describe("POST /setup (process)", () => {
  test("a loopback client without a session or the current token cannot take over, and the owner stays in", async () => {
    const { base, token, home } = await startLauncher();
    const owner = await login(base, token);
    const body = { token: "attacker-chosen-token-1", confirm: "attacker-chosen-token-1" };
    expect((await fetch(`${base}/setup`, json(body))).status).toBe(401);
    expect((await fetch(`${base}/api/status`, { headers: { cookie: owner } })).status).toBe(200);
    const stored = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8"));
    expect(stored.launcher_token).toBe(token);
  });

  test("two concurrent setups with the current token: one 200, one 409", async () => {
    const { base, token } = await startLauncher();
    const statuses = await Promise.all(
      ["concurrent-token-one-1", "concurrent-token-two-2"].map((t) =>
        fetch(`${base}/setup`, json({ token: t, confirm: t, current: token })).then((r) => r.status)
      ),
    );
    expect(statuses.sort()).toEqual([200, 409]);
  });
});

describe("dashboard /pico/ws lifetime (process)", () => {
  test("logout closes the session's socket with 4001", async () => {
    const { base, token } = await startLauncher();
    const cookie = await login(base, token);
    const socket = await openDashboardSocket(base, cookie);
    const closed = closeCode(socket);
    expect((await fetch(`${base}/logout`, json({}, { cookie }))).status).toBe(200);
    expect(await closed).toBe(4001);
  });

  test("first-run setup's key rotation closes every other session's socket with 4001", async () => {
    const { base, token } = await startLauncher();
    const other = await login(base, token);
    const socket = await openDashboardSocket(base, other);
    const closed = closeCode(socket);
    const own = await login(base, token);
    const t = "rotated-launcher-token-9";
    expect((await fetch(`${base}/setup`, json({ token: t, confirm: t }, { cookie: own }))).status).toBe(200);
    expect(await closed).toBe(4001);
  });
});

describe("JSON routes (process)", () => {
  test("a state-changing JSON route refuses a form body with 415 and changes nothing", async () => {
    const { base, token } = await startLauncher();
    const cookie = await login(base, token);
    const res = await fetch(`${base}/api/pico/enabled`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "enabled=true",
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBe("unsupported_media_type");
  });
});

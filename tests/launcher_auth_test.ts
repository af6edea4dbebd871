import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { makeTestLauncher, postJson, sessionCookie, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher;
afterEach(async () => await launcher?.stop());

function expectLauncherHeaders(res: Response) {
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
}

describe("GET /", () => {
  test("shows the login page without a session, with every security header", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('id="login-form"');
    expect(html).not.toContain("<script>");
    expectLauncherHeaders(res);
  });

  test("auto-logs in with the right ?token= and redirects 303 to / without it", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request(`/?token=${launcher.token()}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const setCookie = res.headers.getSetCookie()[0];
    expect(setCookie).toStartWith("picoclaw_session=");
    for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"]) {
      expect(setCookie).toContain(attribute);
    }
    expect(setCookie).not.toContain("Secure");
    const page = await launcher.request("/", { headers: { cookie: sessionCookie(res) } });
    expect(await page.text()).toContain('id="tab-status"');
  });

  test("answers a wrong ?token= with 401 and the login page showing an error", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/?token=wrong-token");
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain("That token is not right.");
    expect(html).not.toContain("wrong-token");
    expectLauncherHeaders(res);
  });

  test("marks the cookie Secure behind an HTTPS proxy listed in trusted_proxies only", async () => {
    const files = { "launcher-config.json": JSON.stringify({ trusted_proxies: ["127.0.0.1"] }) };
    launcher = await makeTestLauncher({ files });
    const https = { headers: { "x-forwarded-proto": "https" } };
    const proxied = await launcher.request(`/?token=${launcher.token()}`, https);
    expect(proxied.headers.getSetCookie()[0]).toContain("Secure");
    const other = await launcher.request(`/?token=${launcher.token()}`, https, "127.0.0.2");
    expect(other.headers.getSetCookie()[0]).not.toContain("Secure");
    await launcher.stop();
    launcher = await makeTestLauncher();
    const untrusted = await launcher.request(`/?token=${launcher.token()}`, https);
    expect(untrusted.headers.getSetCookie()[0]).not.toContain("Secure");
  });
});

describe("POST /login", () => {
  test("accepts the right token as JSON or as a form, with a session cookie", async () => {
    launcher = await makeTestLauncher();
    const json = await launcher.request("/login", postJson({ token: launcher.token() }));
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ ok: true });
    expect(sessionCookie(json)).toStartWith("picoclaw_session=");
    const form = await launcher.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${launcher.token()}`,
    });
    expect(form.status).toBe(200);
  });

  test("answers a wrong token with 401 invalid_token", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/login", postJson({ token: "nope" }));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("invalid_token");
    expectLauncherHeaders(res);
  });

  test("answers a body without a token with 400 invalid_request", async () => {
    launcher = await makeTestLauncher();
    expect((await launcher.request("/login", postJson({ tokn: "x" }))).status).toBe(400);
    const text = await launcher.request("/login", { method: "POST", body: "x" });
    expect(text.status).toBe(415);
    expect((await text.json()).error).toBe("unsupported_media_type");
  });

  test("gives a fresh session id at each login and revokes the previous one", async () => {
    launcher = await makeTestLauncher();
    const first = await launcher.login();
    const again = await launcher.request("/login", postJson({ token: launcher.token() }, first));
    const second = sessionCookie(again);
    expect(second).not.toBe(first);
    expect((await launcher.request("/api/status", { headers: { cookie: first } })).status).toBe(401);
    expect((await launcher.request("/api/status", { headers: { cookie: second } })).status).toBe(200);
  });
});

describe("brute-force limit", () => {
  test("returns 429 with Retry-After after 10 failures from one IP, even for the right token", async () => {
    launcher = await makeTestLauncher();
    for (let i = 0; i < 10; i++) {
      expect((await launcher.request("/login", postJson({ token: `guess-${i}` }), "10.0.0.1")).status).toBe(401);
    }
    const blocked = await launcher.request("/login", postJson({ token: launcher.token() }), "10.0.0.1");
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const page = await launcher.request(`/?token=${launcher.token()}`, {}, "10.0.0.1");
    expect(page.status).toBe(429);
    expect((await launcher.request("/login", postJson({ token: launcher.token() }), "10.0.0.2")).status).toBe(200);
  });

  test("counts wrong ?token= and refused /setup toward the same limit", async () => {
    launcher = await makeTestLauncher();
    for (let i = 0; i < 5; i++) await launcher.request(`/?token=bad-${i}`, {}, "10.0.0.3");
    for (let i = 0; i < 5; i++) {
      await launcher.request("/setup", postJson({ token: "x".repeat(16), confirm: "x".repeat(16) }), "10.0.0.3");
    }
    expect((await launcher.request("/login", postJson({ token: launcher.token() }), "10.0.0.3")).status).toBe(429);
  });

  test("lets the IP in again once the minute has passed", async () => {
    let now = 1_000_000;
    launcher = await makeTestLauncher({ now: () => now });
    for (let i = 0; i < 10; i++) await launcher.request("/login", postJson({ token: "bad" }), "10.0.0.4");
    expect((await launcher.request("/login", postJson({ token: launcher.token() }), "10.0.0.4")).status).toBe(429);
    now += 60_001;
    expect((await launcher.request("/login", postJson({ token: launcher.token() }), "10.0.0.4")).status).toBe(200);
  });

  test("logs each failure with the IP and never the token tried", async () => {
    launcher = await makeTestLauncher();
    await launcher.request("/login", postJson({ token: "secret-guess-123456" }), "10.0.0.5");
    await launcher.request("/?token=query-guess-654321", {}, "10.0.0.5");
    const logs = launcher.logs.join("");
    expect(logs).toContain("login failed ip=10.0.0.5 via=login\n");
    expect(logs).toContain("login failed ip=10.0.0.5 via=url\n");
    expect(logs).not.toContain("secret-guess-123456");
    expect(logs).not.toContain("query-guess-654321");
    expect(logs).not.toContain(launcher.token());
  });
});

describe("POST /setup", () => {
  const body = { token: "my-own-launcher-token-1", confirm: "my-own-launcher-token-1" };

  test("lets a signed-in user on the first run set a custom token, stored 0600 with generated false", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const other = await launcher.login();
    const res = await launcher.request("/setup", postJson(body, cookie));
    expect(res.status).toBe(200);
    expect(sessionCookie(res)).toStartWith("picoclaw_session=");
    const file = launcher.home.file("launcher-config.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ launcher_token: body.token, generated: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await launcher.request("/api/status", { headers: { cookie: other } })).status).toBe(401);
    expect((await launcher.request("/api/status", { headers: { cookie: sessionCookie(res) } })).status).toBe(200);
    expect((await launcher.request("/login", postJson({ token: body.token }))).status).toBe(200);
    expect(await (await launcher.request("/api/auth/status")).json()).toEqual({
      authenticated: false,
      initialized: true,
    });
  });

  test("accepts the current generated token as current instead of a session", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/setup", postJson({ ...body, current: launcher.token() }));
    expect(res.status).toBe(200);
    expect(launcher.token()).toBe(body.token);
  });

  test("refuses a loopback client with neither a session nor the current token (401), counted as a failure", async () => {
    launcher = await makeTestLauncher();
    const generated = launcher.token();
    const owner = await launcher.login();
    const res = await launcher.request("/setup", postJson(body));
    expect(res.status).toBe(401);
    const wrong = await launcher.request("/setup", postJson({ ...body, current: "not-the-token-000000" }));
    expect(wrong.status).toBe(401);
    expect(launcher.token()).toBe(generated);
    expect((await launcher.request("/api/status", { headers: { cookie: owner } })).status).toBe(200);
    expect(launcher.logs.join("")).toContain("login failed ip=127.0.0.1 via=setup");
  });

  test("of two concurrent setups exactly one succeeds", async () => {
    launcher = await makeTestLauncher();
    const current = launcher.token();
    const results = await Promise.all(
      ["first-concurrent-token-1", "other-concurrent-token-2"].map((token) =>
        launcher!.request("/setup", postJson({ token, confirm: token, current }))
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  test("requires 16+ characters and a matching confirmation (400)", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const short = await launcher.request("/setup", postJson({ token: "short", confirm: "short" }, cookie));
    expect(short.status).toBe(400);
    const differ = await launcher.request("/setup", postJson({ token: body.token, confirm: `${body.token}x` }, cookie));
    expect(differ.status).toBe(400);
    expect((await differ.json()).details[0].field).toBe("confirm");
  });

  test("answers 409 already_initialized after setup and when the token comes from env", async () => {
    launcher = await makeTestLauncher();
    await launcher.request("/setup", postJson({ ...body, current: launcher.token() }));
    const again = await launcher.request("/setup", postJson({ ...body, current: body.token }));
    expect(again.status).toBe(409);
    expect((await again.json()).error).toBe("already_initialized");
    await launcher.stop();
    launcher = await makeTestLauncher({ env: { PICOCLAW_LAUNCHER_TOKEN: "env-launcher-token-123456" } });
    expect((await launcher.request("/setup", postJson(body))).status).toBe(409);
  });
});

describe("POST /logout and GET /api/auth/status", () => {
  test("logout clears the cookie with Max-Age=0 and revokes the session server-side", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    expect(await (await launcher.request("/api/auth/status", { headers: { cookie } })).json()).toEqual({
      authenticated: true,
      initialized: false,
    });
    const res = await launcher.request("/logout", postJson({}, cookie));
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toContain("Max-Age=0");
    expect((await launcher.request("/api/status", { headers: { cookie } })).status).toBe(401);
    expect((await (await launcher.request("/api/auth/status", { headers: { cookie } })).json()).authenticated).toBe(
      false,
    );
  });

  test("initialized is true when the token comes from env", async () => {
    launcher = await makeTestLauncher({ env: { PICOCLAW_LAUNCHER_TOKEN: "env-launcher-token-123456" } });
    expect(await (await launcher.request("/api/auth/status")).json()).toEqual({
      authenticated: false,
      initialized: true,
    });
  });
});

describe("session cookies", () => {
  test("rejects every single-character change of a real cookie", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const value = cookie.slice("picoclaw_session=".length);
    const alphabet = "0123456789abcdefABCDEF%.=+/";
    for (let i = 0; i < value.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(value[i]) + 1) % alphabet.length];
      const tampered = `picoclaw_session=${value.slice(0, i)}${replacement}${value.slice(i + 1)}`;
      const res = await launcher.request("/api/status", { headers: { cookie: tampered } });
      expect(res.status).toBe(401);
    }
  });

  test("rejects an expired cookie", async () => {
    let now = 5_000_000;
    launcher = await makeTestLauncher({ now: () => now });
    const cookie = await launcher.login();
    now += 7 * 24 * 3600 * 1000 + 1;
    expect((await launcher.request("/api/status", { headers: { cookie } })).status).toBe(401);
  });

  test("rejects a cookie signed by another process's key", async () => {
    launcher = await makeTestLauncher();
    const other = await makeTestLauncher();
    const foreign = await other.login();
    await other.stop();
    expect((await launcher.request("/api/status", { headers: { cookie: foreign } })).status).toBe(401);
  });
});

describe("CSRF", () => {
  test("refuses state-changing requests from another Origin or Referer with 403 csrf", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const cases: Record<string, string>[] = [
      { origin: "http://evil.test" },
      { referer: "http://evil.test/page" },
      { origin: "null" },
    ];
    for (const headers of cases) {
      const login = await launcher.request("/login", postJson({ token: launcher.token() }, undefined, headers));
      expect(login.status).toBe(403);
      expect((await login.json()).error).toBe("csrf");
      const rotate = await launcher.request("/api/pico/token", postJson({}, cookie, headers));
      expect(rotate.status).toBe(403);
    }
  });

  test("accepts the launcher's own origin and requests with neither header", async () => {
    launcher = await makeTestLauncher();
    const own = postJson({ token: launcher.token() }, undefined, { origin: "http://localhost" });
    expect((await launcher.request("/login", own)).status).toBe(200);
    const referer = postJson({ token: launcher.token() }, undefined, { referer: "http://localhost/" });
    expect((await launcher.request("/login", referer)).status).toBe(200);
    expect((await launcher.request("/login", postJson({ token: launcher.token() }))).status).toBe(200);
  });
});

describe("other routes", () => {
  test("/api/* without a session answers 401 JSON; pages redirect to the login page", async () => {
    launcher = await makeTestLauncher();
    for (const path of ["/api/status", "/api/config", "/api/tokens", "/api/nothing"]) {
      const res = await launcher.request(path);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("unauthorized");
      expectLauncherHeaders(res);
    }
    const page = await launcher.request("/settings");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/");
  });

  test("serves the embedded assets as JavaScript and CSS without a session", async () => {
    launcher = await makeTestLauncher();
    const js = await launcher.request("/assets/dashboard.js");
    expect(js.headers.get("content-type")).toContain("text/javascript");
    const source = await js.text();
    expect(source).toMatch(/from\s*"\.\/chunk-\w+\.js"/);
    expect(source).not.toContain(": string");
    expect((await launcher.request("/assets/style.css")).headers.get("content-type")).toContain("text/css");
    expectLauncherHeaders(js);
    expect((await launcher.request("/assets/nope.js")).status).toBe(404);
  });

  test("refuses a body over 64 KiB with 413", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/login", postJson({ token: "x".repeat(70 * 1024) }));
    expect(res.status).toBe(413);
  });
});

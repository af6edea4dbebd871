import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { openPico } from "./helpers/gateway.ts";
import { makeTestLauncher, postJson, sessionCookie, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher & { port?: number };
afterEach(async () => await launcher?.stop());

const EVIL = { origin: "http://evil.test" };

/** A JSON POST with a session cookie. */
function post(body: unknown, cookie: string, headers: Record<string, string> = {}): RequestInit {
  return postJson(body, cookie, headers);
}

/** Every state-changing route of the Security API, for the CSRF and 401 checks. */
function stateChangingRoutes(sessionId: string, token: string): [string, RequestInit][] {
  return [
    [`/api/auth/sessions/${sessionId}`, { method: "DELETE" }],
    ["/api/auth/sessions/revoke-others", { method: "POST" }],
    ["/api/auth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ current: token, generate: true }),
    }],
  ];
}

function withHeaders(init: RequestInit, headers: Record<string, string>): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string> ?? {}), ...headers } };
}

/** The cookie value (signature included), which no answer may carry. */
function cookieValue(cookie: string): string {
  return decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
}

describe("Security API without a session", () => {
  test("answers 401 on every route", async () => {
    launcher = await makeTestLauncher();
    const token = launcher.token();
    const routes: [string, RequestInit][] = [
      ["/api/auth/sessions", {}],
      ["/api/auth/attempts", {}],
      ...stateChangingRoutes("0".repeat(32), token),
    ];
    for (const [path, init] of routes) {
      const res = await launcher.request(path, init);
      expect(res.status, path).toBe(401);
      expect((await res.json()).error).toBe("unauthorized");
    }
    // The rotation never ran: the token is unchanged.
    expect(launcher.token()).toBe(token);
  });
});

describe("CSRF", () => {
  test("refuses every state-changing Security route from a foreign Origin or Referer, changing nothing", async () => {
    launcher = await makeTestLauncher();
    const token = launcher.token();
    const cookie = await launcher.login();
    const other = await launcher.login();
    const [otherId] = launcher.ctx.sessions.list().map((s) => s.id);
    for (const foreign of [EVIL, { referer: "http://evil.test/page" }]) {
      for (const [path, init] of stateChangingRoutes(otherId, token)) {
        const res = await launcher.request(path, withHeaders(init, { cookie, ...foreign }));
        expect(res.status, path).toBe(403);
        expect((await res.json()).error).toBe("csrf");
      }
    }
    expect(launcher.ctx.sessions.size).toBe(2);
    expect(launcher.token()).toBe(token);
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie: other } })).status).toBe(200);
  });
});

describe("GET /api/auth/sessions", () => {
  test("lists the live sessions with a public id, the current one marked, and never a cookie value", async () => {
    launcher = await makeTestLauncher();
    const first = await launcher.login("10.0.0.7");
    const second = await launcher.request(
      "/login",
      postJson({ token: launcher.token() }, undefined, {
        "user-agent": "TestPhone/1.0",
      }),
    );
    const cookie = sessionCookie(second);
    const res = await launcher.request("/api/auth/sessions", { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { sessions } = JSON.parse(text);
    expect(sessions.length).toBe(2);
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(["created_at", "current", "id", "ip", "last_seen_at", "user_agent"]);
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof s.created_at).toBe("number");
    }
    expect(sessions.filter((s: { current: boolean }) => s.current).length).toBe(1);
    expect(sessions.find((s: { current: boolean }) => s.current).user_agent).toBe("TestPhone/1.0");
    expect(sessions.find((s: { current: boolean }) => !s.current).ip).toBe("10.0.0.7");
    for (const c of [first, cookie]) expect(text).not.toContain(cookieValue(c).split(".").at(-1)!);
    expect(text).not.toContain(launcher.token());
  });
});

describe("POST /api/auth/token and the caller's chat", () => {
  test("the caller's dashboard socket moves to its new session and keeps chatting; other sessions' close 4001", async () => {
    launcher = await makeTestLauncher({ serve: true });
    const other = await launcher.login();
    const mine = await launcher.login();
    const origin = `http://127.0.0.1:${launcher.port}`;
    const url = `ws://127.0.0.1:${launcher.port}/pico/ws?session_id=rotating`;
    const otherSocket = await openPico(url, { headers: { cookie: other, origin } });
    const mySocket = await openPico(url, { headers: { cookie: mine, origin } });
    const res = await launcher.request("/api/auth/token", post({ current: launcher.token(), generate: true }, mine));
    expect(res.status).toBe(200);
    const renewed = sessionCookie(res);
    expect((await otherSocket.closed()).code).toBe(4001);
    mySocket.send({ type: "message.send", id: "after", payload: { content: "still here" } });
    expect((await mySocket.next("message.create", 3000)).payload?.content).toBe("still here");
    expect(mySocket.closeEvent).toBeUndefined();
    // It now belongs to the new session: revoking that one closes it.
    const { sessions } = await (await launcher.request("/api/auth/sessions", { headers: { cookie: renewed } })).json();
    const current = sessions.find((s: { current: boolean }) => s.current).id;
    await launcher.request(`/api/auth/sessions/${current}`, { method: "DELETE", headers: { cookie: renewed } });
    expect((await mySocket.closed()).code).toBe(4001);
  });
});

describe("DELETE /api/auth/sessions/:id", () => {
  test("ends that session at once (204), its dashboard socket closes with 4001, others stay", async () => {
    launcher = await makeTestLauncher({ serve: true });
    const victim = await launcher.login();
    const mine = await launcher.login();
    const origin = `http://127.0.0.1:${launcher.port}`;
    const socket = await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws`, { headers: { cookie: victim, origin } });
    const { sessions } = await (await launcher.request("/api/auth/sessions", { headers: { cookie: mine } })).json();
    const id = sessions.find((s: { current: boolean }) => !s.current).id;
    const res = await launcher.request(`/api/auth/sessions/${id}`, { method: "DELETE", headers: { cookie: mine } });
    expect(res.status).toBe(204);
    expect((await socket.closed()).code).toBe(4001);
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie: victim } })).status).toBe(401);
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie: mine } })).status).toBe(200);
  });

  test("answers 404 not_found for an unknown or malformed id", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    for (const id of ["0".repeat(32), "not-an-id"]) {
      const res = await launcher.request(`/api/auth/sessions/${id}`, { method: "DELETE", headers: { cookie } });
      expect(res.status).toBe(404);
      expect((await res.json()).error).toBe("not_found");
    }
  });

  test("revoking one's own session clears the cookie", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const [{ id }] = launcher.ctx.sessions.list();
    const res = await launcher.request(`/api/auth/sessions/${id}`, { method: "DELETE", headers: { cookie } });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toContain("Max-Age=0");
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(401);
  });
});

describe("POST /api/auth/sessions/revoke-others", () => {
  test("ends every other session and says how many", async () => {
    launcher = await makeTestLauncher();
    const others = [await launcher.login(), await launcher.login()];
    const mine = await launcher.login();
    const res = await launcher.request("/api/auth/sessions/revoke-others", {
      method: "POST",
      headers: { cookie: mine },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 2 });
    for (const cookie of others) {
      expect((await launcher.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(401);
    }
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie: mine } })).status).toBe(200);
  });
});

describe("GET /api/auth/attempts", () => {
  test("lists attempts newest first with ts, ip, ok and via, never the token tried", async () => {
    launcher = await makeTestLauncher();
    await launcher.request("/login", postJson({ token: "wrong-guess-123456" }), "10.0.0.9");
    await launcher.request("/?token=another-wrong-guess");
    const cookie = await launcher.login();
    await launcher.request("/api/auth/token", post({ current: "third-wrong-guess", generate: true }, cookie));
    const res = await launcher.request("/api/auth/attempts", { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { attempts } = JSON.parse(text);
    expect(attempts.map((a: { ok: boolean; via: string; ip: string }) => [a.via, a.ok, a.ip])).toEqual([
      ["rotate", false, "127.0.0.1"],
      ["login", true, "127.0.0.1"],
      ["url", false, "127.0.0.1"],
      ["login", false, "10.0.0.9"],
    ]);
    for (const a of attempts) expect(Object.keys(a).sort()).toEqual(["ip", "ok", "ts", "via"]);
    for (const secret of ["wrong-guess", "another-wrong", "third-wrong", launcher.token()]) {
      expect(text).not.toContain(secret);
    }
    expect(launcher.logs.join("")).toContain("login failed ip=127.0.0.1 via=rotate");
  });
});

describe("POST /api/auth/token", () => {
  test("generate: returns a new 256-bit token once, stores it (0600, generated false), ends other sessions", async () => {
    launcher = await makeTestLauncher();
    const old = launcher.token();
    const other = await launcher.login();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/auth/token", post({ current: old, generate: true }, cookie));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { token } = await res.json();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const file = launcher.home.file("launcher-config.json");
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored).toMatchObject({ launcher_token: token, generated: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The caller carries on with its new cookie; its old cookie and every other session ended.
    const fresh = sessionCookie(res);
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie: fresh } })).status).toBe(200);
    for (const c of [cookie, other]) {
      expect((await launcher.request("/api/auth/sessions", { headers: { cookie: c } })).status).toBe(401);
    }
    expect((await launcher.request("/login", postJson({ token: old }))).status).toBe(401);
    expect((await launcher.request("/login", postJson({ token }))).status).toBe(200);
    expect((await (await launcher.request("/api/auth/status", { headers: { cookie: fresh } })).json()).initialized)
      .toBe(true);
    expect(launcher.logs.join("")).not.toContain(token);
  });

  test("token + confirm: 400 with a sentence when short or different, else stored and usable", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const current = launcher.token();
    for (
      const [body, says] of [
        [{ token: "short", confirm: "short" }, "at least 16"],
        [{ token: "a-long-enough-token-1", confirm: "a-long-enough-token-2" }, "differ"],
        [{}, "generate"],
        [{ generate: true, token: "a-long-enough-token-1", confirm: "a-long-enough-token-1" }, "not both"],
      ] as const
    ) {
      const res = await launcher.request("/api/auth/token", post({ current, ...body }, cookie));
      expect(res.status).toBe(400);
      const answer = await res.json();
      expect(answer.error).toBe("invalid_request");
      expect(answer.message).toContain(says);
      expect(launcher.token()).toBe(current);
    }
    const chosen = "my-own-launcher-token-42";
    const res = await launcher.request("/api/auth/token", post({ current, token: chosen, confirm: chosen }, cookie));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect((await launcher.request("/login", postJson({ token: chosen }))).status).toBe(200);
    expect(launcher.logs.join("")).not.toContain(chosen);
  });

  test("a wrong current is 401 invalid_token and changes nothing", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const token = launcher.token();
    const res = await launcher.request("/api/auth/token", post({ current: "not-the-token", generate: true }, cookie));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("invalid_token");
    expect(launcher.token()).toBe(token);
    expect((await launcher.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(200);
  });

  test("counts wrong rotations before any await: 30 concurrent guesses get at most 10 answers, the rest 429", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const results = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) => launcher.request("/api/auth/token", post({ current: `wrong-guess-${i}`, generate: true }, cookie)),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    expect(results.find((r) => r.status === 429)!.headers.get("retry-after")).toMatch(/^\d+$/);
    // Even the right token is refused until the window passes.
    const right = await launcher.request(
      "/api/auth/token",
      post({ current: launcher.token(), generate: true }, cookie),
    );
    expect(right.status).toBe(429);
  });

  test("refuses a token from PICOCLAW_LAUNCHER_TOKEN with 409 token_from_env", async () => {
    const envToken = "env-launcher-token-0123456789";
    launcher = await makeTestLauncher({ env: { PICOCLAW_LAUNCHER_TOKEN: envToken } });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/auth/token", post({ current: envToken, generate: true }, cookie));
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(JSON.parse(text).error).toBe("token_from_env");
    expect(text).not.toContain(envToken);
    expect(launcher.token()).toBe(envToken);
  });

  test("takes JSON only (415 otherwise)", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/auth/token", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: `current=${launcher.token()}&generate=true`,
    });
    expect(res.status).toBe(415);
  });
});

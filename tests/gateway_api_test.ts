import { afterEach, describe, expect, test } from "bun:test";
import { AUTH, openPico, startTestGateway, type TestGateway, TOKEN } from "./helpers/gateway.ts";

let gw: TestGateway;
afterEach(async () => await gw?.stop());

function post(path: string, body: unknown, headers: Record<string, string> = AUTH) {
  return fetch(gw.http(path), {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
}

describe("GET /health", () => {
  test("returns 200 {status: ok} without auth", async () => {
    gw = startTestGateway();
    const res = await fetch(gw.http("/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expectSecurityHeaders(res);
  });
});

describe("Bearer protection of /api/* and /metrics", () => {
  for (const path of ["/api/status", "/metrics"]) {
    test(`${path} returns 401 JSON without, with a wrong, or with a query token`, async () => {
      gw = startTestGateway();
      const attempts: [string, Record<string, string>][] = [
        [path, {}],
        [path, { authorization: "Bearer wrong" }],
        [path, { authorization: `Basic ${btoa(`user:${TOKEN}`)}` }],
        [path, { authorization: "Bearer not a valid header!" }],
        [`${path}?token=${TOKEN}`, {}],
      ];
      for (const [url, headers] of attempts) {
        const res = await fetch(gw.http(url), { headers });
        expect(res.status).toBe(401);
        expect((await res.json()).error).toBe("unauthorized");
        expectSecurityHeaders(res);
      }
    });
  }

  test("/api/* answers 401 when no Pico token is configured at all", async () => {
    gw = startTestGateway({ pico: { enabled: false, token: "" } });
    const res = await fetch(gw.http("/api/status"), { headers: { authorization: "Bearer " } });
    expect(res.status).toBe(401);
  });
});

describe("GET /api/status", () => {
  test("reports version, uptime, pico connections and sessions, pico_client, agent, telegram and discord", async () => {
    gw = startTestGateway();
    const a = await openPico(gw.ws("/pico?session_id=one"));
    const b = await openPico(gw.ws("/pico?session_id=one"));
    const c = await openPico(gw.ws("/pico?session_id=two"));
    const res = await fetch(gw.http("/api/status"), { headers: AUTH });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const status = await res.json();
    expect(status).toEqual({
      version: expect.any(String),
      uptime_s: expect.any(Number),
      pico: { enabled: true, connections: 3, sessions: 2 },
      pico_client: expect.objectContaining({ enabled: false, connected: false, state: "disconnected" }),
      discord: { enabled: false, state: "disabled", last_error: null, bot: null },
      agent: { provider: "echo", model: "" },
      telegram: { enabled: false, state: "disabled", last_error: null, bot: null },
    });
    for (const client of [a, b, c]) client.close();
  });
});

describe("POST /api/messages", () => {
  test("runs the agent and returns {session_id, message_id, content}, also pushed to the session", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico?session_id=push"));
    const res = await post("/api/messages", { content: "from http", session_id: "push" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ session_id: "push", message_id: expect.any(String), content: "from http" });
    const pushed = await client.next("message.create");
    expect(pushed.payload).toEqual({ message_id: body.message_id, content: "from http" });
    client.close();
  });

  test("makes a new session id when none is given", async () => {
    gw = startTestGateway();
    const body = await (await post("/api/messages", { content: "x" })).json();
    expect(body.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("returns 400 invalid_request listing every field problem", async () => {
    gw = startTestGateway();
    const res = await post("/api/messages", { content: 5, session_id: "bad id!" });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe("invalid_request");
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(["content", "session_id"]);
    expect(body.message).toContain("content");
    expect(body.message).toContain("session_id");
  });

  test("returns 400 invalid_request for blank content and for malformed JSON", async () => {
    gw = startTestGateway();
    expect((await post("/api/messages", { content: "   " })).status).toBe(400);
    const malformed = await post("/api/messages", "{nope");
    expect(malformed.status).toBe(400);
  });

  test("returns 413 for a body over 1 MiB", async () => {
    gw = startTestGateway();
    const res = await post("/api/messages", { content: "z".repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe("payload_too_large");
  });

  test("returns 401 without the Bearer token", async () => {
    gw = startTestGateway();
    expect((await post("/api/messages", { content: "x" }, {})).status).toBe(401);
  });
});

describe("GET /metrics", () => {
  test("serves Prometheus text with connections, frames, auth failures and agent latency", async () => {
    gw = startTestGateway();
    await fetch(gw.http("/api/status"), { headers: { authorization: "Bearer wrong" } });
    const client = await openPico(gw.ws("/pico"));
    client.send({ type: "message.send", payload: { content: "count me" } });
    await client.next("typing.stop");
    const res = await fetch(gw.http("/metrics"), { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("picoclaw_pico_connections 1");
    expect(text).toMatch(/picoclaw_pico_frames_in_total [1-9]/);
    expect(text).toMatch(/picoclaw_pico_frames_out_total [3-9]/);
    expect(text).toContain('picoclaw_auth_failures_total{reason="invalid_token"} 1');
    expect(text).toContain("picoclaw_agent_latency_seconds_count 1");
    expect(text).toContain("picoclaw_launcher_login_attempts_total");
    client.close();
  });
});

describe("unknown routes", () => {
  test("answer 404 not_found JSON with the security headers", async () => {
    gw = startTestGateway();
    const res = await fetch(gw.http("/nope"));
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("not_found");
    expectSecurityHeaders(res);
  });
});

describe("malformed request bodies", () => {
  test("POST /api/messages with malformed JSON answers 400 invalid_request JSON", async () => {
    gw = startTestGateway();
    const res = await post("/api/messages", "{nope");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe("invalid_request");
  });
});

describe("GET / (gateway)", () => {
  test("answers 200 without auth: an HTML page naming the WebSocket paths, /health, the OpenAPI document, the docs", async () => {
    const gw = startTestGateway();
    try {
      const res = await fetch(gw.http("/"), { headers: { accept: "text/html,*/*;q=0.8" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const page = await res.text();
      for (
        const text of ["PicoClaw gateway", "/pico", "/pico/ws", "/health", "/api/openapi.json", "docs/protocol.md"]
      ) {
        expect(page).toContain(text);
      }
      expect(page).not.toContain(TOKEN);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    } finally {
      await gw.stop();
    }
  });

  test("answers JSON when Accept asks for it, and the page when Accept is absent", async () => {
    const gw = startTestGateway();
    try {
      const res = await fetch(gw.http("/"), { headers: { accept: "application/json" } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        name: "PicoClaw gateway",
        websocket: ["/pico", "/pico/ws"],
        health: "/health",
        openapi: "/api/openapi.json",
        docs: "docs/protocol.md in the PicoClaw project",
      });
      const plain = await fetch(gw.http("/"), { headers: { accept: "" } });
      expect(plain.headers.get("content-type")).toContain("text/html");
    } finally {
      await gw.stop();
    }
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { AUTH, openPico, startTestGateway, type TestGateway, TOKEN } from "./helpers/gateway.ts";
import { rawHandshake } from "./helpers/raw_ws.ts";

let gw: TestGateway;
afterEach(async () => await gw?.stop());

/** The status and JSON body of a `/pico` handshake. */
async function handshake(path: string, headers: Record<string, string> = {}, plain = false) {
  const res = await rawHandshake(gw.port, path, { headers, plain });
  res.close();
  return { status: res.status, headers: res.headers, body: res.body ? JSON.parse(res.body) : undefined };
}

describe("GET /pico checks", () => {
  test("returns 503 channel_disabled when the Pico channel is off, before anything else", async () => {
    gw = startTestGateway({ pico: { enabled: false, allow_origins: ["http://good.test"] } });
    const res = await handshake("/pico", { Origin: "http://evil.test" });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe("channel_disabled");
  });

  test("returns 403 origin_not_allowed for an Origin not in allow_origins, before auth", async () => {
    gw = startTestGateway({ pico: { allow_origins: ["http://good.test"] } });
    const res = await handshake("/pico", { Origin: "http://evil.test" });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "origin_not_allowed", message: expect.any(String) });
  });

  test("accepts an allowed Origin, no Origin, and any Origin with * or an empty list", async () => {
    gw = startTestGateway({ pico: { allow_origins: ["http://good.test/"] } });
    expect((await handshake("/pico", { Origin: "http://good.test", ...AUTH })).status).toBe(101);
    expect((await handshake("/pico", AUTH)).status).toBe(101);
    await gw.stop();
    gw = startTestGateway({ pico: { allow_origins: ["*"] } });
    expect((await handshake("/pico", { Origin: "http://any.test", ...AUTH })).status).toBe(101);
    await gw.stop();
    gw = startTestGateway();
    expect((await handshake("/pico", { Origin: "http://any.test", ...AUTH })).status).toBe(101);
  });

  test("returns 401 unauthorized with WWW-Authenticate: Bearer without a token", async () => {
    gw = startTestGateway();
    const res = await handshake("/pico");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
    expect(res.body.error).toBe("unauthorized");
  });

  test("accepts the right Bearer token, with the scheme in any case", async () => {
    gw = startTestGateway();
    expect((await handshake("/pico", { Authorization: `Bearer ${TOKEN}` })).status).toBe(101);
    expect((await handshake("/pico", { Authorization: `bearer ${TOKEN}` })).status).toBe(101);
    expect((await handshake("/pico", { Authorization: `BEARER ${TOKEN}` })).status).toBe(101);
  });

  test("refuses a wrong, empty, prefix or suffixed Bearer token", async () => {
    gw = startTestGateway();
    for (
      const value of ["Bearer wrong", "Bearer ", `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`]
    ) {
      expect((await handshake("/pico", { Authorization: value })).status).toBe(401);
    }
  });

  test("accepts token.<value> among the offered subprotocols and echoes exactly that one", async () => {
    gw = startTestGateway();
    const res = await handshake("/pico", { "Sec-WebSocket-Protocol": `chat, token.${TOKEN}, other` });
    expect(res.status).toBe(101);
    expect(res.headers["sec-websocket-protocol"]).toBe(`token.${TOKEN}`);
    const client = await openPico(gw.ws("/pico"), { protocols: ["pico.v1", `token.${TOKEN}`] });
    expect(client.socket.protocol).toBe(`token.${TOKEN}`);
    client.close();
  });

  test("echoes the token.<value> entry that matched, not the first token entry offered", async () => {
    gw = startTestGateway();
    const res = await handshake("/pico", { "Sec-WebSocket-Protocol": `token.wrong-one, token.${TOKEN}` });
    expect(res.status).toBe(101);
    expect(res.headers["sec-websocket-protocol"]).toBe(`token.${TOKEN}`);
  });

  test("refuses a wrong subprotocol token", async () => {
    gw = startTestGateway();
    expect((await handshake("/pico", { "Sec-WebSocket-Protocol": "token.wrong" })).status).toBe(401);
  });

  test("refuses a correct ?token= while allow_token_query is off", async () => {
    gw = startTestGateway();
    const res = await handshake(`/pico?token=${TOKEN}`);
    expect(res.status).toBe(401);
    expect(gw.logs.join("")).toContain("reason=query_token_disabled");
  });

  test("accepts ?token= when allow_token_query is on, and refuses a wrong one", async () => {
    gw = startTestGateway({ pico: { allow_token_query: true } });
    expect((await handshake(`/pico?token=${TOKEN}`)).status).toBe(101);
    expect((await handshake("/pico?token=wrong")).status).toBe(401);
  });

  test("returns 503 too_many_connections with Retry-After at max_connections", async () => {
    gw = startTestGateway({ pico: { max_connections: 2 } });
    const a = await openPico(gw.ws("/pico"));
    const b = await openPico(gw.ws("/pico"));
    const res = await handshake("/pico", AUTH);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe("too_many_connections");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    a.close();
    await a.closed();
    // The server frees the slot when it sees the close: poll with a deadline, no fixed wait.
    const deadline = Date.now() + 5000;
    while (gw.channel.status().connections > 1 && Date.now() < deadline) await Bun.sleep(5);
    expect((await handshake("/pico", AUTH)).status).toBe(101);
    b.close();
  });

  test("returns 426 upgrade_required for an authenticated plain HTTP request", async () => {
    gw = startTestGateway();
    const res = await handshake("/pico", AUTH, true);
    expect(res.status).toBe(426);
    expect(res.body.error).toBe("upgrade_required");
  });

  test("returns 400 invalid_session_id for a bad session id, after the upgrade check", async () => {
    gw = startTestGateway();
    for (const bad of ["has space", "x".repeat(129), "semi;colon", "%C3%A9"]) {
      const res = await handshake(`/pico?session_id=${encodeURIComponent(bad)}`, AUTH);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_session_id");
    }
    expect((await handshake("/pico?session_id=a.B_c:1-2", AUTH)).status).toBe(101);
  });

  test("gives a new UUID session when session_id is absent or empty", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico?session_id="));
    client.send({ type: "ping", id: "1" });
    const pong = await client.next("pong");
    expect(pong.session_id).toMatch(/^[0-9a-f-]{36}$/);
    client.close();
  });

  test("never logs the presented or expected token", async () => {
    gw = startTestGateway({ pico: { allow_token_query: true } });
    await handshake("/pico", { Authorization: "Bearer presented-wrong-token-123" });
    await handshake("/pico?token=presented-query-token-456");
    await handshake("/pico", AUTH);
    const logs = gw.logs.join("");
    for (const secret of [TOKEN, "presented-wrong-token-123", "presented-query-token-456"]) {
      expect(logs).not.toContain(secret);
    }
  });
});

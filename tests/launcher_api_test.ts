import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { RedisLink } from "../mod/cluster/mod.ts";
import { RedisHistoryStore } from "../mod/history/mod.ts";
import { createLogger } from "../mod/log/mod.ts";
import { openPico } from "./helpers/gateway.ts";
import { makeTestLauncher, postJson, type TestLauncher } from "./helpers/launcher.ts";
import { rawHandshake } from "./helpers/raw_ws.ts";

let launcher: TestLauncher & { port?: number };
afterEach(async () => await launcher?.stop());

const PICO_TOKEN = "old-pico-token-0123456789abcdef";
const SECURITY_YML = `# my secrets\nchannels:\n  pico:\n    token: ${PICO_TOKEN} # keep this comment\n`;

async function getJson(path: string, cookie: string) {
  const res = await launcher.request(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  return await res.json();
}

describe("logged-in API", () => {
  test("GET /api/status reports the gateway, Pico channel, client and agent", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const status = await getJson("/api/status", cookie);
    expect(status.pico).toEqual({ enabled: false, connections: 0, sessions: 0, dashboard_connections: 0 });
    expect(status.agent).toEqual({ provider: "echo", model: "" });
    expect(status.launcher.token_source).toBe("random");
  });

  test("GET /api/config shows the effective config with every secret masked", async () => {
    launcher = await makeTestLauncher({
      files: { ".security.yml": SECURITY_YML },
      env: { PICOCLAW_AGENT_API_KEY: "sk-dashboard-test-0123456789" },
    });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/config", { headers: { cookie } });
    const text = await res.text();
    for (const secret of [PICO_TOKEN, "sk-dashboard-test-0123456789", launcher.token()]) {
      expect(text).not.toContain(secret);
    }
    const config = JSON.parse(text);
    expect(config.channels.pico.token).toEqual({ value: "old-…cdef", source: ".security.yml" });
    expect(config.agent.api_key.source).toBe("env");
  });

  test("GET /api/tokens gives masked values only", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const tokens = await getJson("/api/tokens", cookie);
    expect(tokens.pico).toEqual({ set: true, masked: "old-…cdef", source: ".security.yml" });
    expect(JSON.stringify(tokens)).not.toContain(PICO_TOKEN);
    expect(JSON.stringify(tokens)).not.toContain(launcher.token());
  });

  test("the reveal routes give the tokens on request, not cacheable", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const pico = await launcher.request("/api/pico/token/reveal", postJson({}, cookie));
    expect(await pico.json()).toEqual({ token: PICO_TOKEN });
    expect(pico.headers.get("cache-control")).toBe("no-store");
    const own = await launcher.request("/api/launcher/token/reveal", postJson({}, cookie));
    expect(await own.json()).toEqual({ source: "random", token: launcher.token() });
  });

  test("never reveals a launcher token that came from PICOCLAW_LAUNCHER_TOKEN", async () => {
    launcher = await makeTestLauncher({ env: { PICOCLAW_LAUNCHER_TOKEN: "env-launcher-token-abcdef123" } });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/launcher/token/reveal", postJson({}, cookie));
    expect(await res.json()).toEqual({ source: "env" });
  });

  test("POST /api/pico/token generates a token, writes .security.yml keeping comments, applies it live", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/pico/token", postJson({}, cookie));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.masked).toMatch(/^[0-9a-f]{4}…[0-9a-f]{4}$/);
    const text = readFileSync(launcher.home.file(".security.yml"), "utf8");
    expect(text).toContain("# my secrets");
    expect(text).toContain("# keep this comment");
    expect(text).not.toContain(PICO_TOKEN);
    const newToken = text.match(/token: ([0-9a-f]{64})/)?.[1];
    expect(newToken).toBeDefined();
    expect(statSync(launcher.home.file(".security.yml")).mode & 0o777).toBe(0o600);
    expect(await launcher.channel.checkToken(newToken!)).toBe(true);
    expect(await launcher.channel.checkToken(PICO_TOKEN)).toBe(false);
  });

  test("POST /api/pico/token sets a given token and refuses a weak one with 400", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    expect((await launcher.request("/api/pico/token", postJson({ token: "short" }, cookie))).status).toBe(400);
    expect((await launcher.request("/api/pico/token", postJson({ token: "has spaces in it!!" }, cookie))).status)
      .toBe(400);
    const given = "given-pico-token-0123456789";
    expect((await launcher.request("/api/pico/token", postJson({ token: given }, cookie))).status).toBe(200);
    expect(await launcher.channel.checkToken(given)).toBe(true);
  });

  test("POST /api/pico/token warns when an env variable will override it after a restart", async () => {
    launcher = await makeTestLauncher({ env: { PICOCLAW_CHANNELS_PICO_TOKEN: "env-pico-token-0123456789" } });
    const cookie = await launcher.login();
    const body = await (await launcher.request("/api/pico/token", postJson({}, cookie))).json();
    expect(body.warnings.join(" ")).toContain("PICOCLAW_CHANNELS_PICO_TOKEN");
  });

  test("POST /api/pico/enabled needs a token, then writes config.json and opens the channel", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    expect((await launcher.request("/api/pico/enabled", postJson({ enabled: true }, cookie))).status).toBe(400);
    await launcher.request("/api/pico/token", postJson({}, cookie));
    expect((await launcher.request("/api/pico/enabled", postJson({ enabled: true }, cookie))).status).toBe(200);
    expect(launcher.channel.enabled).toBe(true);
    const config = JSON.parse(readFileSync(launcher.home.file("config.json"), "utf8"));
    expect(config).toEqual({ channels: { pico: { enabled: true } } });
    expect(await getJson("/api/pico/enabled", cookie)).toEqual({ enabled: true });
  });

  test("POST /api/pico_client stores url and session in config.json and the token in .security.yml", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const settings = { enabled: true, url: "ws://127.0.0.1:1/pico", session_id: "s1", token: "remote-token-123" };
    expect((await launcher.request("/api/pico_client", postJson(settings, cookie))).status).toBe(200);
    const config = JSON.parse(readFileSync(launcher.home.file("config.json"), "utf8"));
    expect(config.channels.pico_client).toEqual({ url: settings.url, session_id: "s1", enabled: true });
    expect(readFileSync(launcher.home.file(".security.yml"), "utf8")).toContain("remote-token-123");
    const shown = await getJson("/api/pico_client", cookie);
    expect(shown).toEqual({
      enabled: true,
      url: settings.url,
      session_id: "s1",
      token: { set: true, masked: "remo…-123" },
    });
  });

  test("POST /api/pico_client refuses a missing or non-ws url with 400", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const noUrl = await launcher.request("/api/pico_client", postJson({ enabled: true, url: "" }, cookie));
    expect(noUrl.status).toBe(400);
    expect((await noUrl.json()).message).toContain("channels.pico_client.url");
    const http = await launcher.request("/api/pico_client", postJson({ enabled: true, url: "http://x" }, cookie));
    expect(http.status).toBe(400);
    expect((await http.json()).error).toBe("config_error");
  });

  test("POST /api/chat answers with the echo agent", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/chat", postJson({ content: "hi dashboard" }, cookie));
    expect(await res.json()).toMatchObject({ content: "hi dashboard" });
  });

  test("a malformed .security.yml is never overwritten: 400 config_error naming the file", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const broken = "channels:\n  pico: [unclosed\n";
    launcher.home.write(".security.yml", broken);
    const res = await launcher.request("/api/pico/token", postJson({}, cookie));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe("config_error");
    expect(body.message).toContain(".security.yml");
    expect(readFileSync(launcher.home.file(".security.yml"), "utf8")).toBe(broken);
  });
});

describe("GET /pico/ws (dashboard chat socket)", () => {
  async function served(now?: () => number) {
    launcher = await makeTestLauncher({
      serve: true,
      now,
      env: { PICOCLAW_CHANNELS_PICO_ENABLED: "true", PICOCLAW_CHANNELS_PICO_TOKEN: PICO_TOKEN },
    });
    const cookie = await launcher.login();
    return { cookie, origin: `http://127.0.0.1:${launcher.port}` };
  }

  test("joins the Pico channel with the session cookie and the launcher's own Origin", async () => {
    const { cookie, origin } = await served();
    const client = await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws?session_id=dash`, {
      headers: { cookie, origin },
    });
    client.send({ type: "message.send", payload: { content: "from the dashboard" } });
    expect((await client.next("message.create")).payload?.content).toBe("from the dashboard");
    expect(launcher.channel.status().connections).toBe(1);
    client.close();
  });

  test("GET /api/status counts dashboard tabs apart from external Pico connections", async () => {
    const { cookie, origin } = await served();
    const external = await openPico(`ws://127.0.0.1:${launcher.gateway.port}/pico`, {
      headers: { authorization: `Bearer ${PICO_TOKEN}` },
    });
    const tabs = [
      await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws?session_id=a`, { headers: { cookie, origin } }),
      await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws?session_id=b`, { headers: { cookie, origin } }),
    ];
    const status = await getJson("/api/status", cookie);
    expect(status.pico).toEqual({ enabled: true, connections: 3, sessions: 3, dashboard_connections: 2 });
    // The gateway's own /api/status keeps the SPEC 3.4 fields only.
    expect(launcher.gateway.status().pico).toEqual({ enabled: true, connections: 3, sessions: 3 });
    for (const client of [external, ...tabs]) client.close();
  });

  test("refuses a foreign or missing Origin with 403, even with a valid cookie", async () => {
    const { cookie } = await served();
    for (const origin of ["http://evil.test", undefined]) {
      const headers: Record<string, string> = { cookie };
      if (origin) headers.Origin = origin;
      const res = await rawHandshake(launcher.port!, "/pico/ws", { headers });
      expect(res.status).toBe(403);
      res.close();
    }
  });

  test("refuses a missing or bad session cookie with 401", async () => {
    const { origin } = await served();
    for (const cookie of [undefined, "picoclaw_session=forged.value"]) {
      const headers: Record<string, string> = { Origin: origin };
      if (cookie) headers.Cookie = cookie;
      const res = await rawHandshake(launcher.port!, "/pico/ws", { headers });
      expect(res.status).toBe(401);
      res.close();
    }
  });

  test("rotating the Pico token closes sockets that used the old one with 4001, not the dashboard's", async () => {
    const { cookie, origin } = await served();
    const gatewayUrl = `ws://127.0.0.1:${launcher.gateway.port}/pico`;
    const old = await openPico(gatewayUrl, { headers: { authorization: `Bearer ${PICO_TOKEN}` } });
    const dashboard = await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws`, { headers: { cookie, origin } });
    const res = await launcher.request("/api/pico/token", postJson({}, cookie));
    expect(res.status).toBe(200);
    const closed = await old.closed();
    expect(closed.code).toBe(4001);
    const reveal = await (await launcher.request("/api/pico/token/reveal", postJson({}, cookie))).json();
    const fresh = await openPico(gatewayUrl, { headers: { authorization: `Bearer ${reveal.token}` } });
    fresh.send({ type: "ping", id: "after-rotation" });
    expect((await fresh.next("pong")).id).toBe("after-rotation");
    // Still open after the rotation was applied: it answers a ping.
    dashboard.send({ type: "ping", id: "still-open" });
    expect((await dashboard.next("pong")).id).toBe("still-open");
    expect(dashboard.closeEvent).toBeUndefined();
    fresh.close();
    dashboard.close();
  });

  test("closes with 4001 when its login session expires or is revoked", async () => {
    let now = Date.now();
    const { cookie, origin } = await served(() => now);
    const url = `ws://127.0.0.1:${launcher.port}/pico/ws`;
    const expiring = await openPico(url, { headers: { cookie, origin } });
    now += 7 * 24 * 3600 * 1000;
    expect((await expiring.closed()).code).toBe(4001);
    now = Date.now();
    const second = await launcher.login();
    const revoked = await openPico(url, { headers: { cookie: second, origin } });
    const id = launcher.ctx.sessions.list().at(-1)!.id;
    launcher.ctx.sessions.revoke(id);
    expect((await revoked.closed()).code).toBe(4001);
  });

  test("works while the public channel is off and has no token (SPEC 7.1), and stays open when it is turned off", async () => {
    launcher = await makeTestLauncher({ serve: true });
    const cookie = await launcher.login();
    const origin = `http://127.0.0.1:${launcher.port}`;
    const client = await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws`, { headers: { cookie, origin } });
    client.send({ type: "message.send", payload: { content: "first login" } });
    expect((await client.next("message.create")).payload?.content).toBe("first login");
    client.close();
  });
});

describe("session API while the history cannot answer", () => {
  test("a cluster whose Redis is down: list, page and delete answer 503 history_unavailable, not an empty list", async () => {
    // A real link to a port nothing listens on: the state of a cluster instance while Redis is down.
    const link = new RedisLink({ url: "redis://127.0.0.1:1", log: createLogger({ stderr: () => {} }) });
    launcher = await makeTestLauncher({ history: new RedisHistoryStore({ redis: link }) });
    const cookie = await launcher.login();
    const answers = [
      await launcher.request("/api/sessions", { headers: { cookie } }),
      await launcher.request("/api/sessions/s1", { headers: { cookie } }),
      await launcher.request("/api/sessions/s1", { method: "DELETE", headers: { cookie } }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error).toBe("history_unavailable");
      expect(body.message).toContain("Redis is down");
    }
    link.close();
  });
});

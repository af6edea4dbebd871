/** Chat history through the compiled binary (SPEC §6): kept across restarts, read by the agent and the APIs. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BINARY, childEnv } from "./helpers/binary.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { chat, openPico } from "./helpers/gateway.ts";
import { perTest } from "./helpers/per_test.ts";
import type { TempHome } from "./helpers/temp_home.ts";

const TOKEN = "history-pico-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };

const each = perTest();

/** Starts `picoclaw --console` in `home` with the Pico channel on; returns both servers' bases and the child. */
async function start(home: TempHome, env: Record<string, string> = {}) {
  const started = await each.startConsole(home.path, {
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
    ...env,
  });
  const child = started.child;
  const gatewayPort = await child.gatewayPort();
  const launcher = `http://127.0.0.1:${started.port}`;
  const res = await fetch(`${launcher}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: started.token }),
  });
  const cookie = res.headers.getSetCookie()[0].split(";")[0];
  return { gateway: `127.0.0.1:${gatewayPort}`, launcher, cookie, child };
}

describe("chat history (process)", () => {
  test("a conversation survives a restart: gateway and launcher APIs answer it, 0600 database", async () => {
    const home = each.home();
    let servers = await start(home);
    const client = await openPico(`ws://${servers.gateway}/pico?session_id=kept`, { headers: AUTH });
    await chat(client, "first message", "m-1");
    await chat(client, "second message", "m-2");
    client.close();
    expect(await servers.child.stop()).toBe(0);
    expect(statSync(home.file("picoclaw.db")).mode & 0o777).toBe(0o600);

    servers = await start(home);
    const viaGateway = await fetch(`http://${servers.gateway}/api/sessions/kept/messages`, { headers: AUTH });
    expect(viaGateway.status).toBe(200);
    const body = await viaGateway.json();
    expect(body.id).toBe("kept");
    expect(body.messages.map((m: { role: string; content: string }) => `${m.role}:${m.content}`)).toEqual([
      "user:first message",
      "assistant:first message",
      "user:second message",
      "assistant:second message",
    ]);
    expect(body.messages[0]).toMatchObject({ message_id: "m-1", channel: "pico" });
    expect(typeof body.messages[0].timestamp).toBe("number");

    const list = await (await fetch(`${servers.launcher}/api/sessions`, { headers: { cookie: servers.cookie } }))
      .json();
    expect(list.sessions[0]).toMatchObject({ id: "kept", title: "first message", channel: "pico", messages: 4 });
    const page = await fetch(`${servers.launcher}/api/sessions/kept?limit=1&before=m-2`, {
      headers: { cookie: servers.cookie },
    });
    expect((await page.json()).messages.map((m: { content: string }) => m.content)).toEqual(["first message"]);
  });

  test("the session APIs: 404 for an unknown id, 401 without credentials, 400 for a bad limit, DELETE 204", async () => {
    const home = each.home();
    const servers = await start(home);
    const cookie = { cookie: servers.cookie };
    expect((await fetch(`http://${servers.gateway}/api/sessions/nope/messages`, { headers: AUTH })).status).toBe(404);
    expect((await fetch(`http://${servers.gateway}/api/sessions/nope/messages`)).status).toBe(401);
    expect((await fetch(`${servers.launcher}/api/sessions`)).status).toBe(401);
    expect((await fetch(`${servers.launcher}/api/sessions/x?limit=abc`, { headers: cookie })).status).toBe(400);
    const res = await fetch(`http://${servers.gateway}/api/messages`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ content: "via the api", session_id: "api-one" }),
    });
    expect(res.status).toBe(200);
    const stored = await (await fetch(`${servers.launcher}/api/sessions/api-one`, { headers: cookie })).json();
    expect(stored.messages.map((m: { channel: string }) => m.channel)).toEqual(["api", "api"]);
    const deleted = await fetch(`${servers.launcher}/api/sessions/api-one`, {
      method: "DELETE",
      headers: { ...cookie, origin: servers.launcher },
    });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${servers.launcher}/api/sessions/api-one`, { headers: cookie })).status).toBe(404);
  });

  test("the openai agent gets the earlier turns after a restart", async () => {
    const home = each.home();
    const fake = startFakeOpenAI("sk-history-key-0123456789", { reply: "noted" });
    try {
      const env = {
        PICOCLAW_AGENT_PROVIDER: "openai",
        PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
        PICOCLAW_AGENT_API_KEY: "sk-history-key-0123456789",
        PICOCLAW_AGENT_MODEL: "fake-model",
      };
      let servers = await start(home, env);
      let client = await openPico(`ws://${servers.gateway}/pico?session_id=remember`, { headers: AUTH });
      await chat(client, "my name is Ada");
      client.close();
      expect(await servers.child.stop()).toBe(0);
      servers = await start(home, env);
      client = await openPico(`ws://${servers.gateway}/pico?session_id=remember`, { headers: AUTH });
      await chat(client, "what is my name?");
      client.close();
      const last = fake.requests.at(-1)!.body.messages.map((m) => `${m.role}:${m.content}`);
      expect(last).toEqual(["user:my name is Ada", "assistant:noted", "user:what is my name?"]);
    } finally {
      fake.stop();
    }
  });

  test("history.enabled false stores nothing on disk", async () => {
    const home = each.home();
    const servers = await start(home, { PICOCLAW_HISTORY_ENABLED: "false" });
    const client = await openPico(`ws://${servers.gateway}/pico?session_id=gone`, { headers: AUTH });
    await chat(client, "not kept");
    client.close();
    expect(await servers.child.stop()).toBe(0);
    expect(() => statSync(home.file("picoclaw.db"))).toThrow();
  });

  test("run from another directory, the binary writes history through its embedded writer and loads nothing from there", async () => {
    const home = each.home();
    // Decoy writer files where a cwd-relative lookup would find them: loading one leaves a marker
    // (and answers nothing, so no history would be written).
    const cwd = home.file("elsewhere");
    const marker = join(cwd, "decoy-loaded");
    for (const file of ["writer_worker.ts", "writer_worker.js", "mod/history/writer_worker.ts"]) {
      mkdirSync(dirname(join(cwd, file)), { recursive: true });
      writeFileSync(join(cwd, file), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "loaded");`);
    }
    const child = each.start(
      ["gateway"],
      childEnv(home.path, {
        PICOCLAW_GATEWAY_PORT: "0",
        PICOCLAW_CHANNELS_PICO_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      }),
      BINARY,
      { cwd },
    );
    const client = await openPico(`ws://127.0.0.1:${await child.gatewayPort()}/pico?session_id=away`, {
      headers: AUTH,
    });
    await chat(client, "stored from elsewhere", "m-away");
    client.close();
    expect(await child.stop()).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const db = new Database(home.file("picoclaw.db"), { readonly: true });
    const rows = db.query<{ role: string; content: string }, []>(
      "SELECT role, content FROM messages JOIN sessions ON key = session_key WHERE id = 'away' ORDER BY seq",
    ).all();
    db.close();
    expect(rows).toEqual([
      { role: "user", content: "stored from elsewhere" },
      { role: "assistant", content: "stored from elsewhere" },
    ]);
  });
});

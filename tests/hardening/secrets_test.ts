import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { buildAssets } from "../../mod/launcher/mod.ts";
import { childEnv, runBinary, startBinary } from "../helpers/binary.ts";
import { startFakeOpenAI } from "../helpers/fake_openai.ts";
import { openPico, type TestPicoClient } from "../helpers/gateway.ts";
import { rawHandshake } from "../helpers/raw_ws.ts";
import { eventually, startRemotePico } from "../helpers/remote_pico.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

setDefaultTimeout(60_000);

const SECRETS = {
  pico: "secret-pico-token-AAAA1111BBBB2222",
  client: "secret-client-token-CCCC3333",
  telegram: "123456:secret-telegram-DDDD4444",
  discord: "secret-discord-EEEE5555",
  apiKey: "sk-secret-api-key-FFFF6666",
  launcher: "secret-launcher-token-GGGG7777",
  launcherEnv: "secret-launcher-env-HHHH8888",
};

/** Everything any command, log, route or socket said during the scenario, by where it came from. */
const seen: { where: string; text: string }[] = [];
function record(where: string, text: string) {
  seen.push({ where, text });
}

let home: TempHome;
let fake: ReturnType<typeof startFakeOpenAI>;
let remote: ReturnType<typeof startRemotePico>;

beforeAll(() => {
  fake = startFakeOpenAI(SECRETS.apiKey, { reply: "streamed agent reply", chunkSize: 4 });
  remote = startRemotePico(SECRETS.client, {
    greet: [{ type: "message.create", payload: { message_id: "r1", content: "hello from the remote" } }],
  });
  home = makeTempHome({
    ".security.yml": [
      "channels:",
      "  pico:",
      `    token: ${SECRETS.pico}`,
      "  pico_client:",
      `    token: ${SECRETS.client}`,
      "  telegram:",
      `    token: "${SECRETS.telegram}"`,
      "",
    ].join("\n"),
    "config.json": JSON.stringify({
      channels: {
        pico: { enabled: true },
        pico_client: { enabled: true, url: remote.url },
        discord: { token: SECRETS.discord },
      },
      agent: { provider: "openai", base_url: fake.baseUrl, model: "fake" },
    }),
    "launcher-config.json": JSON.stringify({ launcher_token: SECRETS.launcher, generated: false }),
  });
});
afterAll(() => {
  fake.stop();
  remote.stop();
  home.remove();
});

const env = (extra: Record<string, string> = {}) =>
  childEnv(home.path, { PICOCLAW_AGENT_API_KEY: SECRETS.apiKey, PICOCLAW_GATEWAY_PORT: "0", ...extra });

/** Fetches and records status, headers and body. */
async function call(where: string, url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { redirect: "manual", ...init });
  const body = await res.clone().text();
  record(where, `${res.status} ${JSON.stringify([...res.headers])} ${body}`);
  return res;
}

/** Sends frames on a socket and records every frame that comes back. */
async function chatOver(where: string, client: TestPicoClient) {
  for (const frame of ["{bad json", JSON.stringify({ type: "nope" }), JSON.stringify({ type: "message.send" })]) {
    client.send(frame);
  }
  client.send({ type: "message.send", id: "m", payload: { content: "tell me" } });
  await client.next("message.create");
  await client.next("typing.stop");
  fake.behaviour.failStatus = 500;
  client.send({ type: "message.send", id: "f", payload: { content: "fail please" } });
  await client.next("error");
  fake.behaviour.failStatus = undefined;
  await client.next("typing.stop");
  record(where, JSON.stringify(client.frames));
  client.close();
}

describe("no secret leaks", () => {
  test("the one-shot commands print no secret", async () => {
    for (const args of [["version"], ["--help"], ["config", "show"], ["config", "check"], ["token", "generate"]]) {
      const result = await runBinary(args, env());
      expect(result.code).toBe(0);
      record(`picoclaw ${args.join(" ")}`, result.stdout + result.stderr);
    }
    const broken = makeTempHome({ ".security.yml": `channels:\n  pico:\n    token: '${SECRETS.pico}\n` });
    const typed = makeTempHome({ ".security.yml": `agent:\n  api_key: [${SECRETS.apiKey}]\n` });
    try {
      for (const h of [broken, typed]) {
        const result = await runBinary(["config", "check"], childEnv(h.path));
        expect(result.code).toBe(2);
        record("config check (malformed)", result.stdout + result.stderr);
      }
    } finally {
      broken.remove();
      typed.remove();
    }
  });

  test("picoclaw gateway: stderr, HTTP answers and WebSocket frames carry no secret", async () => {
    const child = startBinary(["gateway"], env());
    const port = await child.gatewayPort();
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${SECRETS.pico}` };
    await call("gateway /health", `${base}/health`);
    await call("gateway /api/status", `${base}/api/status`, { headers: auth });
    await call("gateway /api/status wrong", `${base}/api/status`, {
      headers: { authorization: `Bearer ${SECRETS.pico}x` },
    });
    await call("gateway /metrics", `${base}/metrics`, { headers: auth });
    await call("gateway /api/messages", `${base}/api/messages`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ content: "via the API" }),
    });
    const refusals: Record<string, string>[] = [
      { Authorization: `Bearer ${SECRETS.pico.slice(0, -1)}` },
      { "Sec-WebSocket-Protocol": "token.x" },
    ];
    for (const headers of refusals) {
      const refused = await rawHandshake(port, "/pico", { headers });
      record("gateway /pico refused", `${refused.status} ${JSON.stringify(refused.headers)} ${refused.body}`);
      refused.close();
    }
    await chatOver("gateway /pico", await openPico(`ws://127.0.0.1:${port}/pico`, { headers: auth }));
    await eventually(() => remote.received.some((f) => f.type === "message.send"), 8000, "pico client reply");
    record("remote saw", JSON.stringify(remote.received));
    expect(await child.stop()).toBe(0);
    record("gateway stdout+stderr", child.stdout() + child.stderr());
  });

  test("launcher mode: every route, the log file and stderr carry no secret; stdout only the launcher token", async () => {
    const child = startBinary(["--console", "--port", "0"], env());
    const port = await child.launcherPort();
    const base = `http://127.0.0.1:${port}`;
    await call("launcher /", `${base}/`);
    await call("launcher /?token=wrong", `${base}/?token=${SECRETS.launcher}x`);
    const json = { "content-type": "application/json" };
    await call("launcher /login wrong", `${base}/login`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ token: SECRETS.pico }),
    });
    const login = await call("launcher /login", `${base}/login`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ token: SECRETS.launcher }),
    });
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const signedIn = { cookie };
    for (
      const path of [
        "/",
        "/api/auth/status",
        "/api/status",
        "/api/config",
        "/api/tokens",
        "/api/pico_client",
        "/api/pico/enabled",
      ]
    ) {
      await call(`launcher ${path}`, `${base}${path}`, { headers: signedIn });
    }
    for (const asset of buildAssets().keys()) await call(`launcher asset ${asset}`, `${base}/assets/${asset}`);
    await call("launcher /api/chat", `${base}/api/chat`, {
      method: "POST",
      headers: { ...signedIn, ...json },
      body: JSON.stringify({ content: "dashboard chat" }),
    });
    await chatOver(
      "launcher /pico/ws",
      await openPico(`ws://127.0.0.1:${port}/pico/ws`, { headers: { cookie, origin: base } }),
    );
    await call("launcher /logout", `${base}/logout`, { method: "POST", headers: signedIn });
    expect(await child.stop()).toBe(0);
    expect(child.stdout()).toContain(`Launcher token: ${SECRETS.launcher}`);
    record("launcher stdout (launcher token allowed)", child.stdout().replaceAll(SECRETS.launcher, "<launcher token>"));
    record("launcher stderr", child.stderr());
    record("launcher.log", readFileSync(home.file("logs/launcher.log"), "utf8"));
  });

  test("a launcher token from PICOCLAW_LAUNCHER_TOKEN is printed nowhere, not even with --console", async () => {
    const child = startBinary(["--console", "--port", "0"], env({ PICOCLAW_LAUNCHER_TOKEN: SECRETS.launcherEnv }));
    await child.waitFor(/token from PICOCLAW_LAUNCHER_TOKEN/);
    expect(await child.stop()).toBe(0);
    record("launcher (env token) stdout+stderr", child.stdout() + child.stderr());
    record("launcher.log (env token)", readFileSync(home.file("logs/launcher.log"), "utf8"));
  });

  test("no recorded output contains any secret", () => {
    expect(seen.length).toBeGreaterThan(30);
    const leaks: string[] = [];
    for (const { where, text } of seen) {
      for (const [name, value] of Object.entries(SECRETS)) {
        if (text.includes(value)) leaks.push(`${name} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { makeTestLauncher, type TestLauncher } from "./helpers/launcher.ts";

/** The Channels page API (SPEC §8) through `app.request()`: codes, CSRF, where values are written, no token out. */

let launcher: TestLauncher | undefined;
afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
});

const TG_TOKEN = "987654:AAchannelsApiTelegramToken_0123456789";
const NEW_TOKEN = "987654:AAnewTelegramTokenFromTheDashboard99";

function put(body: unknown, cookie: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "PUT",
    headers: { "content-type": "application/json", cookie, ...headers },
    body: JSON.stringify(body),
  };
}

describe("GET /api/channels", () => {
  test("reports telegram and discord with state, allow_from and token_set, never a token", async () => {
    launcher = await makeTestLauncher({
      files: { ".security.yml": `channels:\n  telegram:\n    token: ${TG_TOKEN}\n` },
      env: { PICOCLAW_CHANNELS_TELEGRAM_ALLOW_FROM: "@alice,42" },
    });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/channels", { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(TG_TOKEN);
    expect(text).not.toContain("AAchannels");
    expect(JSON.parse(text)).toEqual({
      telegram: {
        enabled: false,
        state: "disabled",
        last_error: null,
        bot: null,
        allow_from: ["@alice", "42"],
        token_set: true,
      },
      discord: { enabled: false, state: "disabled", last_error: null, bot: null, allow_from: [], token_set: false },
    });
  });

  test("needs a session (401)", async () => {
    launcher = await makeTestLauncher();
    expect((await launcher.request("/api/channels")).status).toBe(401);
  });
});

describe("PUT /api/channels/:name", () => {
  test("writes the token to .security.yml (0600) and the rest to config.json, applies live, answers without the token", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/channels/telegram",
      put({ enabled: true, token: NEW_TOKEN, allow_from: [" @alice ", "42", ""] }, cookie),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(NEW_TOKEN);
    expect(JSON.parse(text)).toMatchObject({ enabled: true, allow_from: ["@alice", "42"], token_set: true });
    const security = readFileSync(launcher.home.file(".security.yml"), "utf8");
    expect(security).toContain(NEW_TOKEN);
    expect(statSync(launcher.home.file(".security.yml")).mode & 0o777).toBe(0o600);
    const config = readFileSync(launcher.home.file("config.json"), "utf8");
    expect(config).not.toContain(NEW_TOKEN);
    expect(JSON.parse(config).channels.telegram).toEqual({ enabled: true, allow_from: ["@alice", "42"] });
    // Live: the store that the channel reads has the new values.
    expect(launcher.ctx.store.config.channels.telegram.token.reveal()).toBe(NEW_TOKEN);
    expect(launcher.logs.join("\n")).not.toContain(NEW_TOKEN);
  });

  test('omitted fields are kept; token "" clears the token; then enabling is refused (400)', async () => {
    launcher = await makeTestLauncher({
      files: { ".security.yml": `channels:\n  discord:\n    token: ${TG_TOKEN}\n` },
    });
    const cookie = await launcher.login();
    let res = await launcher.request("/api/channels/discord", put({ allow_from: ["111"] }, cookie));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_set: true, allow_from: ["111"] });
    res = await launcher.request("/api/channels/discord", put({ token: "" }, cookie));
    expect(await res.json()).toMatchObject({ token_set: false, allow_from: ["111"] });
    res = await launcher.request("/api/channels/discord", put({ enabled: true }, cookie));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    expect(launcher.ctx.store.config.channels.discord.enabled).toBe(false);
  });

  test("refuses bad bodies with 400 naming the field, an unknown channel with 404, a non-JSON body with 415", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    let res = await launcher.request(
      "/api/channels/telegram",
      put({ allow_from: ["x".repeat(65)] }, cookie),
    );
    expect(res.status).toBe(400);
    const bad = await res.json();
    expect(bad.error).toBe("invalid_request");
    expect(bad.message).toContain("channels.telegram.allow_from");
    res = await launcher.request("/api/channels/telegram", put({ enabled: "yes" }, cookie));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain("enabled");
    res = await launcher.request("/api/channels/telegram", put({ token: "has space" }, cookie));
    expect(res.status).toBe(400);
    res = await launcher.request("/api/channels/slack", put({ enabled: false }, cookie));
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("not_found");
    res = await launcher.request("/api/channels/telegram", {
      method: "PUT",
      headers: { "content-type": "text/plain", cookie },
      body: JSON.stringify({ enabled: false }),
    });
    expect(res.status).toBe(415);
  });

  test("a cross-site PUT is refused with 403 csrf and changes nothing; without a session 401", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/channels/telegram",
      put({ allow_from: ["666"] }, cookie, { origin: "https://evil.example" }),
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe("csrf");
    expect(launcher.ctx.store.config.channels.telegram.allow_from).toEqual([]);
    const anonymous = await launcher.request("/api/channels/telegram", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ allow_from: ["666"] }),
    });
    expect(anonymous.status).toBe(401);
  });
});

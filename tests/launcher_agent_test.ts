import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { makeTestLauncher, postJson, type TestLauncher } from "./helpers/launcher.ts";

const API_KEY = "sk-agent-page-0123456789abcdef";
const OTHER_KEY = "sk-agent-other-9876543210fedcba";
const SECURITY_YML = `# my secrets\nagent:\n  api_key: ${API_KEY} # keep this comment\n`;

let launcher: TestLauncher | undefined;
let fakes: ReturnType<typeof startFakeOpenAI>[] = [];
afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
  for (const fake of fakes) await fake.stop();
  fakes = [];
});

function fakeOpenAI(...args: Parameters<typeof startFakeOpenAI>) {
  const fake = startFakeOpenAI(...args);
  fakes.push(fake);
  return fake;
}

function putJson(body: unknown, cookie?: string, headers: Record<string, string> = {}): RequestInit {
  return { ...postJson(body, cookie, headers), method: "PUT" };
}

async function getAgent(cookie: string) {
  const res = await launcher!.request("/api/agent", { headers: { cookie } });
  expect(res.status).toBe(200);
  return await res.json();
}

/** Polls until `check` holds, failing after 5 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Condition not met within 5 s");
    await Bun.sleep(5);
  }
}

const DEFAULTS = {
  provider: "echo",
  base_url: "",
  model: "",
  system_prompt: "",
  stream: true,
  timeout: 120,
  api_key_set: false,
};

describe("GET /api/agent", () => {
  test("answers the agent settings and whether a key is set, never the key", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/agent", { headers: { cookie } });
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ...DEFAULTS, api_key_set: true });
    expect(text).not.toContain(API_KEY);
  });

  test("answers 401 without a session", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/api/agent");
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("unauthorized");
  });
});

describe("PUT /api/agent", () => {
  test("writes non-secrets to config.json and the key to .security.yml (comments kept, 0600), answers the new GET", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const settings = {
      provider: "openai",
      base_url: "http://127.0.0.1:9/v1",
      model: "gpt-test",
      system_prompt: "Be brief.",
      stream: false,
      timeout: 30,
    };
    const res = await launcher.request("/api/agent", putJson({ ...settings, api_key: OTHER_KEY }, cookie));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ...settings, api_key_set: true });
    expect(text).not.toContain(OTHER_KEY);
    expect(await getAgent(cookie)).toEqual({ ...settings, api_key_set: true });

    const config = JSON.parse(readFileSync(launcher.home.file("config.json"), "utf8"));
    expect(config.agent).toEqual(settings);
    const yml = readFileSync(launcher.home.file(".security.yml"), "utf8");
    expect(yml).toContain(OTHER_KEY);
    expect(yml).toContain("# my secrets");
    expect(yml).toContain("# keep this comment");
    expect(statSync(launcher.home.file(".security.yml")).mode & 0o777).toBe(0o600);
    expect(statSync(launcher.home.file("config.json")).mode & 0o777).toBe(0o600);
    expect(launcher.logs.join("\n")).not.toContain(OTHER_KEY);
  });

  test("keeps the key when api_key is omitted and clears it with an empty string", async () => {
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const kept = await launcher.request("/api/agent", putJson({ model: "m1" }, cookie));
    expect(await kept.json()).toEqual({ ...DEFAULTS, model: "m1", api_key_set: true });
    expect(readFileSync(launcher.home.file(".security.yml"), "utf8")).toContain(API_KEY);
    const cleared = await launcher.request("/api/agent", putJson({ api_key: "" }, cookie));
    expect(await cleared.json()).toEqual({ ...DEFAULTS, model: "m1", api_key_set: false });
    expect(readFileSync(launcher.home.file(".security.yml"), "utf8")).not.toContain(API_KEY);
  });

  test("refuses bad values with 400 invalid_request naming each field, and saves nothing", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent",
      putJson({ provider: "claude", base_url: "ftp://x", timeout: 0, stream: "yes", model: "ok" }, cookie),
    );
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe("invalid_request");
    expect(body.message).toContain(`provider: expected "echo" or "openai", got "claude"`);
    expect(body.message).toContain(`base_url: expected an http:// or https:// URL, got "ftp://x"`);
    expect(body.message).toContain("timeout: expected a positive integer, got 0");
    expect(body.message).toContain(`stream: expected true or false, got "yes"`);
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ["base_url", "provider", "stream", "timeout"],
    );
    expect(existsSync(launcher.home.file("config.json"))).toBe(false);
    expect((await getAgent(cookie)).model).toBe("");
  });

  test("refuses unknown fields (max_reply_bytes is not set from the page) with 400", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/agent", putJson({ max_reply_bytes: 5 }, cookie));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain("max_reply_bytes");
  });

  test("refuses a cross-site request with 403 csrf and saves nothing", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent",
      putJson({ model: "evil" }, cookie, { origin: "https://evil.example" }),
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe("csrf");
    expect((await getAgent(cookie)).model).toBe("");
  });

  test("answers 401 without a session and 415 for a body that is not JSON", async () => {
    launcher = await makeTestLauncher();
    expect((await launcher.request("/api/agent", putJson({ model: "x" }))).status).toBe(401);
    const cookie = await launcher.login();
    const form = await launcher.request("/api/agent", {
      method: "PUT",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "model=x",
    });
    expect(form.status).toBe(415);
  });

  test("applies live: /api/status shows the new provider and model, and the next chat uses the new agent", async () => {
    const fake = fakeOpenAI(API_KEY, { reply: "hello from the fake" });
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent",
      putJson({ provider: "openai", base_url: fake.baseUrl, model: "fake-model", api_key: API_KEY }, cookie),
    );
    expect(res.status).toBe(200);
    const status = await (await launcher.request("/api/status", { headers: { cookie } })).json();
    expect(status.agent).toEqual({ provider: "openai", model: "fake-model" });
    const chat = await launcher.request("/api/chat", postJson({ content: "hi" }, cookie));
    expect((await chat.json()).content).toBe("hello from the fake");
  });

  test("a reply in flight finishes on the old agent; the next request uses the new one", async () => {
    let release!: () => void;
    const oldFake = fakeOpenAI(API_KEY, { reply: "old agent", gate: new Promise((r) => (release = r)) });
    const newFake = fakeOpenAI(API_KEY, { reply: "new agent" });
    launcher = await makeTestLauncher({
      env: {
        PICOCLAW_AGENT_PROVIDER: "openai",
        PICOCLAW_AGENT_BASE_URL: oldFake.baseUrl,
        PICOCLAW_AGENT_MODEL: "fake-model",
        PICOCLAW_AGENT_API_KEY: API_KEY,
      },
    });
    const cookie = await launcher.login();
    const first = launcher.request("/api/chat", postJson({ content: "one", session_id: "s1" }, cookie));
    await until(() => oldFake.requests.length === 1);
    const saved = await launcher.request("/api/agent", putJson({ base_url: newFake.baseUrl }, cookie));
    expect(saved.status).toBe(200);
    const second = await launcher.request("/api/chat", postJson({ content: "two", session_id: "s2" }, cookie));
    expect((await second.json()).content).toBe("new agent");
    release();
    expect((await (await first).json()).content).toBe("old agent");
    expect(oldFake.requests).toHaveLength(1);
    expect(newFake.requests).toHaveLength(1);
  });
});

describe("POST /api/agent/test", () => {
  test("tries the given values over the saved ones (the saved key when none is given), saving nothing", async () => {
    const fake = fakeOpenAI(API_KEY, { reply: "OK", models: ["fake-model", "bigger-model"] });
    launcher = await makeTestLauncher({ files: { ".security.yml": SECURITY_YML } });
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent/test",
      postJson({ provider: "openai", base_url: fake.baseUrl, model: "fake-model" }, cookie),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      latency_ms: expect.any(Number),
      models: ["fake-model", "bigger-model"],
      reply: "OK",
    });
    expect(text).not.toContain(API_KEY);
    expect(fake.requests[0].authorization).toBe(`Bearer ${API_KEY}`);
    expect(await getAgent(cookie)).toEqual({ ...DEFAULTS, api_key_set: true });
    expect(existsSync(launcher.home.file("config.json"))).toBe(false);
  });

  test("a wrong key gives {ok: false, error: unauthorized}; the key is in no answer nor log", async () => {
    const fake = fakeOpenAI(API_KEY, { reply: "OK" });
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent/test",
      postJson({ provider: "openai", base_url: fake.baseUrl, model: "fake-model", api_key: OTHER_KEY }, cookie),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ok: false, error: "unauthorized" });
    expect(text).not.toContain(OTHER_KEY);
    const after = await launcher.request("/api/agent", { headers: { cookie } });
    expect(await after.text()).not.toContain(OTHER_KEY);
    expect(launcher.logs.join("\n")).not.toContain(OTHER_KEY);
  });

  test("an unknown model gives model_not_found", async () => {
    const fake = fakeOpenAI(API_KEY, { reply: "OK", models: ["fake-model"] });
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent/test",
      postJson({ provider: "openai", base_url: fake.baseUrl, model: "nope", api_key: API_KEY }, cookie),
    );
    expect(await res.json()).toEqual({ ok: false, error: "model_not_found" });
  });

  test("echo is ok with a reply", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/agent/test", postJson({}, cookie));
    expect(await res.json()).toEqual({ ok: true, latency_ms: expect.any(Number), reply: expect.any(String) });
  });

  test("refuses bad values with 400 naming the field", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const res = await launcher.request("/api/agent/test", postJson({ base_url: "not a url" }, cookie));
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain(`base_url: expected an http:// or https:// URL, got "not a url"`);
  });

  test("answers 401 without a session and 403 csrf cross-site", async () => {
    launcher = await makeTestLauncher();
    expect((await launcher.request("/api/agent/test", postJson({}))).status).toBe(401);
    const cookie = await launcher.login();
    const res = await launcher.request(
      "/api/agent/test",
      postJson({}, cookie, { origin: "https://evil.example" }),
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe("csrf");
  });
});

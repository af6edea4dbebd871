import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { childEnv, type GatewayProcess, runBinary, startGatewayProcess } from "../helpers/binary.ts";
import { chat, openPico, TOKEN } from "../helpers/gateway.ts";
import { makeTestLauncher, type TestLauncher } from "../helpers/launcher.ts";
import { startMaliciousAgent } from "../helpers/malicious_agent.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

setDefaultTimeout(60_000);

const PASSWORD = "hunter2-url-password-0123";

let home: TempHome | undefined;
let launcher: TestLauncher | undefined;
let gateway: GatewayProcess | undefined;
let agent: ReturnType<typeof startMaliciousAgent> | undefined;
afterEach(async () => {
  home?.remove();
  await launcher?.stop();
  await gateway?.stop();
  agent?.stop();
  home =
    launcher =
    gateway =
    agent =
      undefined;
});

describe("agent.base_url credentials are masked wherever shown", () => {
  test("config show (binary) masks user:pass@ in agent.base_url", async () => {
    home = makeTempHome({
      "config.json": JSON.stringify({
        agent: { provider: "openai", base_url: `http://alice:${PASSWORD}@llm.local/v1` },
      }),
    });
    const result = await runBinary(["config", "show"], childEnv(home.path));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).agent.base_url).toEqual({
      value: "http://***:***@llm.local/v1",
      source: "config.json",
    });
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  test("the launcher's GET /api/config masks user:pass@ in agent.base_url", async () => {
    launcher = await makeTestLauncher({ env: { PICOCLAW_AGENT_BASE_URL: `http://alice:${PASSWORD}@llm.local/v1` } });
    const cookie = await launcher.login();
    const res = await launcher.request("/api/config", { headers: { cookie } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text).agent.base_url).toEqual({ value: "http://***:***@llm.local/v1", source: "env" });
  });

  test("agent errors and the gateway's logs (binary) never show the credentials of base_url", async () => {
    agent = startMaliciousAgent();
    const withCredentials = agent.baseUrl.replace("http://", `http://alice:${PASSWORD}@`);
    gateway = await startGatewayProcess({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_AGENT_PROVIDER: "openai",
      PICOCLAW_AGENT_BASE_URL: withCredentials,
      PICOCLAW_AGENT_MODEL: "m",
    });
    const client = await openPico(`ws://127.0.0.1:${gateway.port}/pico`);
    const frames = [...await chat(client, "redirect"), ...await chat(client, "huge-json")];
    const errors = frames.filter((f) => f.type === "error");
    expect(errors.map((f) => f.payload?.code)).toEqual(["agent_error", "agent_error"]);
    expect(String(errors[0].payload?.message)).toContain(new URL(agent.baseUrl).origin);
    client.close();
    const everything = JSON.stringify(frames) + gateway.child.stdout() + gateway.child.stderr();
    expect(everything).toContain("agent_error");
    expect(everything).not.toContain(PASSWORD);
  });
});

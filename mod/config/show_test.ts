import { afterEach, describe, expect, test } from "bun:test";
import { ConfigError } from "../errors/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { loadConfig } from "./load.ts";
import { describeEffectiveConfig } from "./show.ts";

let home: TempHome;
afterEach(() => home?.remove());

const PASSWORD = "hunter2-url-password";

describe("URL credentials are masked like secrets", () => {
  test("describeEffectiveConfig() masks user:pass@ in agent.base_url and pico_client.url", async () => {
    home = makeTempHome({
      "config.json": JSON.stringify({ channels: { pico_client: { url: `ws://bob:${PASSWORD}@remote:18790/pico` } } }),
    });
    const loaded = await loadConfig({
      env: { PICOCLAW_HOME: home.path, PICOCLAW_AGENT_BASE_URL: `http://alice:${PASSWORD}@llm.local:8080/v1` },
    });
    expect(loaded.config.agent.base_url).toBe(`http://alice:${PASSWORD}@llm.local:8080/v1`); // the agent needs it
    const shown = describeEffectiveConfig(loaded) as {
      agent: { base_url: unknown };
      channels: { pico_client: { url: unknown } };
    };
    expect(shown.agent.base_url).toEqual({ value: "http://***:***@llm.local:8080/v1", source: "env" });
    expect(shown.channels.pico_client.url).toEqual({ value: "ws://***:***@remote:18790/pico", source: "config.json" });
    expect(JSON.stringify(shown)).not.toContain(PASSWORD);
  });

  test("a config error about a bad base_url does not print its credentials", async () => {
    home = makeTempHome({
      "config.json": JSON.stringify({ agent: { base_url: `ftp://alice:${PASSWORD}@llm.local` } }),
    });
    const error = await loadConfig({ env: { PICOCLAW_HOME: home.path } }).catch((err) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("agent.base_url");
    expect(error.message).toContain("ftp://***:***@llm.local");
    expect(error.message).not.toContain(PASSWORD);
  });
});

import { describe, expect, test } from "bun:test";
import { perTest } from "../../tests/helpers/per_test.ts";
import type { TempHome } from "../../tests/helpers/temp_home.ts";
import { checkConfig } from "./check.ts";
import { loadConfig } from "./load.ts";

/** Every temp home a test makes (some make several) is removed after it. */
const each = perTest();
/** The latest temp home. */
let home: TempHome;

async function problemsFor(config: unknown, env: Record<string, string> = {}) {
  home = each.home({ "config.json": JSON.stringify(config) });
  return checkConfig(await loadConfig({ env: { PICOCLAW_HOME: home.path, ...env } }));
}

describe("checkConfig()", () => {
  test("checkConfig() accepts the defaults", async () => {
    expect(await problemsFor({})).toEqual([]);
  });

  test("checkConfig() refuses an enabled Pico channel without a token and says how to set one", async () => {
    const [problem, ...rest] = await problemsFor({ channels: { pico: { enabled: true } } });
    expect(rest).toEqual([]);
    expect(problem.keyPath).toBe("channels.pico.token");
    expect(problem.source).toBe(home.file("config.json"));
    expect(problem.message).toContain(".security.yml");
    expect(problem.message).toContain("PICOCLAW_CHANNELS_PICO_TOKEN");
    expect(problem.message).toContain("config.json");
    expect(problem.message).toContain("picoclaw token generate");
  });

  test("checkConfig() accepts an enabled Pico channel with a token from env", async () => {
    expect(await problemsFor({ channels: { pico: { enabled: true } } }, { PICOCLAW_CHANNELS_PICO_TOKEN: "t" }))
      .toEqual([]);
  });

  test("checkConfig() refuses a cluster.redis_url that is not a redis:// URL, without echoing it", async () => {
    const [problem, ...rest] = await problemsFor({}, { PICOCLAW_CLUSTER_REDIS_URL: "http://user:hunter2@h:1" });
    expect(rest).toEqual([]);
    expect(problem.keyPath).toBe("cluster.redis_url");
    expect(problem.source).toBe("PICOCLAW_CLUSTER_REDIS_URL");
    expect(problem.message).not.toContain("hunter2");
    expect(await problemsFor({}, { PICOCLAW_CLUSTER_REDIS_URL: "redis://:pw@127.0.0.1:6379/0" })).toEqual([]);
  });

  test("checkConfig() names channels.pico_client.url when the client is enabled without one", async () => {
    const [problem] = await problemsFor({}, { PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true" });
    expect(problem.keyPath).toBe("channels.pico_client.url");
    expect(problem.source).toBe("PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED");
  });

  test("checkConfig() names agent.base_url when the openai provider has none", async () => {
    const [problem] = await problemsFor({ agent: { provider: "openai" } });
    expect(problem.keyPath).toBe("agent.base_url");
  });
});

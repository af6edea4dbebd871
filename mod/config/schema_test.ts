import { afterEach, describe, expect, test } from "bun:test";
import { ConfigError } from "../errors/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { loadConfig } from "./load.ts";

let home: TempHome;
afterEach(() => home?.remove());

describe("agent.max_reply_bytes", () => {
  test("agent.max_reply_bytes defaults to 1 MiB and is set by PICOCLAW_AGENT_MAX_REPLY_BYTES", async () => {
    home = makeTempHome();
    const defaults = await loadConfig({ env: { PICOCLAW_HOME: home.path } });
    expect(defaults.config.agent.max_reply_bytes).toBe(1048576);
    const fromEnv = await loadConfig({ env: { PICOCLAW_HOME: home.path, PICOCLAW_AGENT_MAX_REPLY_BYTES: "4096" } });
    expect(fromEnv.config.agent.max_reply_bytes).toBe(4096);
    expect(fromEnv.sources.get("agent.max_reply_bytes")).toBe("env");
  });

  test("agent.max_reply_bytes must be a positive integer", async () => {
    home = makeTempHome({ "config.json": JSON.stringify({ agent: { max_reply_bytes: 0 } }) });
    const error = await loadConfig({ env: { PICOCLAW_HOME: home.path } }).catch((err) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("agent.max_reply_bytes");
    expect(error.message).toContain("expected a positive integer, got 0");
  });
});

import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors/mod.ts";
import { perTest } from "../../tests/helpers/per_test.ts";
import type { TempHome } from "../../tests/helpers/temp_home.ts";
import { loadConfig } from "./load.ts";
import { Secret } from "./secret.ts";

/** Every temp home a test makes (some make several) is removed after it. */
const each = perTest();
/** The latest temp home. */
let home: TempHome;

/** Loads from a temp home holding `files`, with `env` on top. */
async function load(files: Record<string, string>, env: Record<string, string> = {}, flags = {}) {
  home = each.home(files);
  return await loadConfig({ env: { PICOCLAW_HOME: home.path, ...env }, flags });
}

/** Loads and returns the ConfigError it must throw. */
async function loadError(files: Record<string, string>, env: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await load(files, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("Expected loadConfig() to throw a ConfigError");
}

describe("loadConfig() layering", () => {
  test("loadConfig() gives the spec's defaults when no file exists", async () => {
    const { config, launcher, sources } = await load({});
    expect(config.gateway).toEqual({ host: "127.0.0.1", port: 18790 });
    expect(config.channels.pico.enabled).toBe(false);
    expect(config.channels.pico.ping_interval).toBe(30);
    expect(config.channels.pico.max_message_bytes).toBe(1048576);
    expect(config.agent.provider).toBe("echo");
    expect(config.agent.stream).toBe(true);
    expect(launcher.port).toBe(18800);
    expect(sources.get("gateway.port")).toBe("default");
  });

  test("loadConfig() reads the history section: defaults, config.json, env", async () => {
    expect((await load({})).config.history).toEqual({ enabled: true, max_messages: 1000, max_sessions: 500 });
    home.remove();
    const { config, sources } = await load(
      { "config.json": '{ "history": { "enabled": false, "max_messages": 50 } }' },
      { PICOCLAW_HISTORY_MAX_SESSIONS: "7" },
    );
    expect(config.history).toEqual({ enabled: false, max_messages: 50, max_sessions: 7 });
    expect(sources.get("history.max_sessions")).toBe("env");
    home.remove();
    const err = await loadError({ "config.json": '{ "history": { "max_messages": 0 } }' });
    expect(err.message).toEndWith("config.json: history.max_messages: expected a positive integer, got 0");
  });

  test("loadConfig() applies defaults < config.json < .security.yml < env < flags", async () => {
    const loaded = await load(
      {
        "config.json": JSON.stringify({
          gateway: { port: 1111, host: "127.0.0.2" },
          channels: { pico: { token: "from-config-json-1234", ping_interval: 5 } },
        }),
        ".security.yml": "channels:\n  pico:\n    token: from-security-yml-1234\n",
        "launcher-config.json": JSON.stringify({ port: 2222 }),
      },
      { PICOCLAW_GATEWAY_PORT: "3333" },
      { port: 4444, public: true },
    );
    const { config, launcher, sources } = loaded;
    expect(config.channels.pico.ping_interval).toBe(5);
    expect(sources.get("channels.pico.ping_interval")).toBe("config.json");
    expect(config.channels.pico.token.reveal()).toBe("from-security-yml-1234");
    expect(sources.get("channels.pico.token")).toBe(".security.yml");
    expect(config.gateway.port).toBe(3333);
    expect(sources.get("gateway.port")).toBe("env");
    expect(config.gateway.host).toBe("0.0.0.0");
    expect(sources.get("gateway.host")).toBe("flag");
    expect(launcher.port).toBe(4444);
    expect(sources.get("launcher.port")).toBe("flag");
    expect(launcher.public).toBe(true);
  });

  test("loadConfig() takes the launcher token from PICOCLAW_LAUNCHER_TOKEN over launcher-config.json", async () => {
    const { launcher, sources } = await load(
      { "launcher-config.json": JSON.stringify({ launcher_token: "stored-token-123456" }) },
      { PICOCLAW_LAUNCHER_TOKEN: "env-token-1234567890" },
    );
    expect(launcher.launcher_token.reveal()).toBe("env-token-1234567890");
    expect(sources.get("launcher.launcher_token")).toBe("env");
  });

  test("loadConfig() wraps every secret in Secret", async () => {
    const { config } = await load({}, { PICOCLAW_AGENT_API_KEY: "sk-test-abcdefghijkl" });
    expect(config.agent.api_key).toBeInstanceOf(Secret);
    expect(JSON.stringify(config)).not.toContain("sk-test-abcdefghijkl");
  });

  test("loadConfig() returns a frozen config", async () => {
    const { config } = await load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.channels.pico)).toBe(true);
    expect(Object.isFrozen(config.channels.pico.allow_origins)).toBe(true);
  });

  test("loadConfig() reads config.json from PICOCLAW_CONFIG and .security.yml beside it", async () => {
    home = each.home({});
    const other = each.home({
      "custom.json": JSON.stringify({ gateway: { port: 5555 } }),
      ".security.yml": "agent:\n  api_key: sk-beside-custom-json\n",
    });
    try {
      const { config, paths } = await loadConfig({
        env: { PICOCLAW_HOME: home.path, PICOCLAW_CONFIG: other.file("custom.json") },
      });
      expect(config.gateway.port).toBe(5555);
      expect(config.agent.api_key.reveal()).toBe("sk-beside-custom-json");
      expect(paths.securityFile).toBe(other.file(".security.yml"));
      expect(paths.launcherFile).toBe(home.file("launcher-config.json"));
    } finally {
      other.remove();
    }
  });

  test("loadConfig() lets --home win over PICOCLAW_HOME", async () => {
    home = each.home({ "config.json": JSON.stringify({ gateway: { port: 7777 } }) });
    const { config } = await loadConfig({ env: { PICOCLAW_HOME: "/nonexistent" }, flags: { home: home.path } });
    expect(config.gateway.port).toBe(7777);
  });

  test("loadConfig() parses env lists and booleans", async () => {
    const { config } = await load({}, {
      PICOCLAW_CHANNELS_PICO_ALLOW_ORIGINS: "http://a.test, http://b.test",
      PICOCLAW_CHANNELS_PICO_ALLOW_TOKEN_QUERY: "yes",
    });
    expect(config.channels.pico.allow_origins).toEqual(["http://a.test", "http://b.test"]);
    expect(config.channels.pico.allow_token_query).toBe(true);
  });
});

describe("loadConfig() errors", () => {
  test("loadConfig() names file, line and column of a JSON syntax error", async () => {
    const err = await loadError({ "config.json": '{\n  "gateway": {\n    "port": 1,\n  }\n}\n' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ source: home.file("config.json"), line: 4, column: 3 });
    expect(err.message).toContain(`${home.file("config.json")}:4:3: invalid JSON`);
  });

  test("loadConfig() names file, line and column of a YAML syntax error", async () => {
    const err = await loadError({ ".security.yml": "channels:\n  pico:\n    token: 'unterminated\n" });
    expect(err.problems[0].source).toBe(home.file(".security.yml"));
    expect(err.problems[0].line).toBeGreaterThanOrEqual(3);
    expect(err.message).toContain("invalid YAML");
  });

  test("loadConfig() names file, key path, expected and got for a schema error", async () => {
    const err = await loadError({ "config.json": JSON.stringify({ channels: { pico: { ping_interval: "abc" } } }) });
    expect(err.message).toBe(
      `${home.file("config.json")}: channels.pico.ping_interval: expected a positive integer, got "abc"`,
    );
  });

  test("loadConfig() lists every problem of every layer at once", async () => {
    const err = await loadError(
      {
        "config.json": JSON.stringify({ gateway: { port: 70000 }, agent: { provider: "llama" } }),
        ".security.yml": "agent:\n  api_key: [1, 2]\n",
        "launcher-config.json": "{ nope",
      },
      { PICOCLAW_CHANNELS_PICO_MAX_CONNECTIONS: "many" },
    );
    const text = err.message;
    expect(text).toContain("gateway.port: expected a port number (0-65535), got 70000");
    expect(text).toContain('agent.provider: expected "echo" or "openai", got "llama"');
    expect(text).toContain(".security.yml: agent.api_key: expected a string");
    expect(text).toContain(`${home.file("launcher-config.json")}:1:3: invalid JSON`);
    expect(text).toContain('PICOCLAW_CHANNELS_PICO_MAX_CONNECTIONS: expected a positive integer, got "many"');
    expect(err.problems).toHaveLength(5);
  });

  test("loadConfig() names the env variable when its value breaks the schema", async () => {
    const err = await loadError({}, { PICOCLAW_CHANNELS_PICO_PING_INTERVAL: "0" });
    expect(err.message).toBe('PICOCLAW_CHANNELS_PICO_PING_INTERVAL: expected a positive integer, got "0"');
  });

  test("loadConfig() never prints a secret's value in a schema error", async () => {
    const err = await loadError({ ".security.yml": "channels:\n  pico:\n    token: 918273645546372819\n" });
    expect(err.message).toContain("channels.pico.token: expected a string (quote it in YAML), got a number");
    expect(err.message).not.toContain("918273645");
  });

  test("loadConfig() gives the YAML quoting hint for .security.yml only, not for the JSON files", async () => {
    const err = await loadError({
      "config.json": JSON.stringify({ channels: { pico: { token: 5 } } }),
      "launcher-config.json": JSON.stringify({ launcher_token: 5 }),
      ".security.yml": "agent:\n  api_key: 7\n",
    });
    const byFile = (name: string) => err.problems.find((p) => p.source.endsWith(name))?.message ?? "";
    expect(byFile("/config.json")).toBe("expected a string, got a number");
    expect(byFile("/launcher-config.json")).toBe("expected a string, got a number");
    expect(byFile("/.security.yml")).toBe("expected a string (quote it in YAML), got a number");
  });

  test("loadConfig() refuses a PICOCLAW_CONFIG or --config that names a missing file, naming the path", async () => {
    const byEnv = await loadError({}, { PICOCLAW_CONFIG: "/nonexistent/picoclaw/typo.json" });
    expect(byEnv.message).toContain("/nonexistent/picoclaw/typo.json: does not exist (named by PICOCLAW_CONFIG)");
    let byFlag: unknown;
    try {
      await load({}, {}, { config: "/nonexistent/picoclaw/flag.json" });
    } catch (err) {
      byFlag = err;
    }
    expect(byFlag).toBeInstanceOf(ConfigError);
    expect((byFlag as ConfigError).message).toContain(
      "/nonexistent/picoclaw/flag.json: does not exist (named by --config)",
    );
  });

  test("loadConfig() reads an explicit config path that exists, and a missing default config.json is fine", async () => {
    home = each.home({ "elsewhere.json": JSON.stringify({ gateway: { port: 18799 } }) });
    const loaded = await loadConfig({
      env: { PICOCLAW_HOME: home.path, PICOCLAW_CONFIG: home.file("elsewhere.json") },
    });
    expect(loaded.config.gateway.port).toBe(18799);
    expect((await load({})).config.gateway.port).toBe(18790);
  });

  test("loadConfig() reports a top level that is not an object", async () => {
    const err = await loadError({ "config.json": "[1, 2]" });
    expect(err.message).toContain("expected a JSON object at the top level");
  });

  test("loadConfig() reports an empty config.json as malformed", async () => {
    const err = await loadError({ "config.json": "" });
    expect(err.message).toContain("file is empty");
  });

  test("loadConfig() rejects a pico_client url that is not ws:// or wss://", async () => {
    const err = await loadError({ "config.json": JSON.stringify({ channels: { pico_client: { url: "http://x" } } }) });
    expect(err.message).toContain('channels.pico_client.url: expected a ws:// or wss:// URL, got "http://x"');
  });
});

describe("loadConfig() warnings", () => {
  test("loadConfig() warns about unknown keys by path", async () => {
    const { warnings } = await load({ "config.json": JSON.stringify({ channels: { pico: { tokn: "x" } }, extra: 1 }) });
    expect(warnings).toContain(`${home.file("config.json")}: unknown key "channels.pico.tokn" (ignored)`);
    expect(warnings).toContain(`${home.file("config.json")}: unknown key "extra" (ignored)`);
  });

  test("loadConfig() warns that a secret in config.json is safer in .security.yml", async () => {
    const { warnings, config } = await load({
      "config.json": JSON.stringify({ channels: { pico: { token: "in-config-json-123456" } } }),
    });
    expect(config.channels.pico.token.reveal()).toBe("in-config-json-123456");
    expect(warnings.join("\n")).toContain("channels.pico.token is a secret; .security.yml");
    expect(warnings.join("\n")).not.toContain("in-config-json-123456");
  });

  test("loadConfig() warns when .security.yml is readable by group or others", async () => {
    home = each.home({});
    home.write(".security.yml", "agent:\n  api_key: sk-abcdefghijklmnop\n", 0o640);
    const { warnings } = await loadConfig({ env: { PICOCLAW_HOME: home.path } });
    expect(warnings.join("\n")).toContain("readable by group or others (mode 0640)");
  });

  test("loadConfig() does not warn about a 0600 .security.yml", async () => {
    const { warnings } = await load({ ".security.yml": "agent:\n  api_key: sk-abcdefghijklmnop\n" });
    expect(warnings).toEqual([]);
  });

  test("loadConfig() warns that a non-secret in .security.yml belongs in config.json", async () => {
    const { warnings, config } = await load({ ".security.yml": "gateway:\n  port: 1234\n" });
    expect(config.gateway.port).toBe(18790);
    expect(warnings).toContain(
      `${home.file(".security.yml")}: gateway is not a secret; put it in config.json (ignored)`,
    );
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import pkg from "../package.json" with { type: "json" };
import { childEnv, runBinary, startBinary } from "./helpers/binary.ts";
import { makeTempHome, type TempHome } from "./helpers/temp_home.ts";

let home: TempHome;
afterEach(() => home?.remove());

function env(extra: Record<string, string> = {}) {
  return childEnv(home.path, extra);
}

describe("picoclaw (binary) basics", () => {
  test("version prints the version, Bun version and target", async () => {
    home = makeTempHome();
    for (const args of [["version"], ["--version"]]) {
      const result = await runBinary(args, env());
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`picoclaw ${pkg.version}`);
      expect(result.stdout).toContain(`bun ${pkg.devDependencies.bun}`);
      expect(result.stdout).toContain(`target ${process.platform}-${process.arch}`);
    }
  });

  test("--help and <command> --help print usage and exit 0", async () => {
    home = makeTempHome();
    const main = await runBinary(["--help"], env());
    expect(main.code).toBe(0);
    expect(main.stdout).toStartWith("Usage: picoclaw");
    const gateway = await runBinary(["gateway", "--help"], env());
    expect(gateway.stdout).toStartWith("Usage: picoclaw gateway");
  });

  test("an unknown command exits 2 naming it, with usage", async () => {
    home = makeTempHome();
    const result = await runBinary(["frobnicate"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
    expect(result.stderr).toContain("Usage: picoclaw");
  });

  test("an unknown flag exits 2 naming it, with usage", async () => {
    home = makeTempHome();
    const result = await runBinary(["gateway", "--frob"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--frob'");
    expect(result.stderr).toContain("Usage: picoclaw");
  });

  test("token generate prints 32 random bytes as lowercase hex, different each time", async () => {
    home = makeTempHome();
    const a = await runBinary(["token", "generate"], env());
    const b = await runBinary(["token", "generate"], env());
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(b.stdout).not.toBe(a.stdout);
    const short = await runBinary(["token", "generate", "--bytes", "16"], env());
    expect(short.stdout).toMatch(/^[0-9a-f]{32}\n$/);
  });
});

describe("picoclaw config check (binary)", () => {
  test("config check prints config ok and exits 0 for a valid config", async () => {
    home = makeTempHome({ "config.json": JSON.stringify({ gateway: { port: 18791 } }) });
    const result = await runBinary(["config", "check"], env());
    expect(result).toMatchObject({ code: 0, stdout: "config ok\n" });
  });

  test("config check exits 2 naming file:line:column of malformed JSON and leaves the file untouched", async () => {
    const broken = '{\n  "gateway": { "port": 18790 },\n  "channels": { oops }\n}\n';
    home = makeTempHome({ "config.json": broken });
    const before = statSync(home.file("config.json"));
    const result = await runBinary(["config", "check"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${home.file("config.json")}:3:17: invalid JSON`);
    expect(readFileSync(home.file("config.json"), "utf8")).toBe(broken);
    expect(statSync(home.file("config.json")).mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(home.path)).toEqual(["config.json"]);
  });

  test("config check exits 2 naming file, key, expected and got of a schema error", async () => {
    home = makeTempHome({ "config.json": JSON.stringify({ channels: { pico: { ping_interval: "abc" } } }) });
    const result = await runBinary(["config", "check"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${home.file("config.json")}: channels.pico.ping_interval: expected a positive integer, got "abc"`,
    );
  });

  test("config check and gateway exit 2 naming a --config / PICOCLAW_CONFIG file that does not exist", async () => {
    home = makeTempHome();
    const missing = home.file("typo-config.json");
    const check = await runBinary(["config", "check", "--config", missing], env());
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`${missing}: does not exist (named by --config)`);
    const gateway = await runBinary(["gateway"], env({ PICOCLAW_CONFIG: missing, PICOCLAW_GATEWAY_PORT: "0" }));
    expect(gateway.code).toBe(2);
    expect(gateway.stderr).toContain(`${missing}: does not exist (named by PICOCLAW_CONFIG)`);
    expect(readdirSync(home.path)).toEqual([]);
  });

  test("config check exits 2 naming the env variable of a bad value", async () => {
    home = makeTempHome();
    const result = await runBinary(["config", "check"], env({ PICOCLAW_CHANNELS_PICO_ALLOW_TOKEN_QUERY: "sure" }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'PICOCLAW_CHANNELS_PICO_ALLOW_TOKEN_QUERY: expected true/false/1/0/yes/no, got "sure"',
    );
  });

  test("config check exits 2 naming line and column of malformed .security.yml and leaves it untouched", async () => {
    const broken = "channels:\n  pico:\n    token: [unclosed\n";
    home = makeTempHome({ ".security.yml": broken });
    const result = await runBinary(["config", "check"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${home.file(".security.yml")}:\\d+:\\d+: invalid YAML`));
    expect(readFileSync(home.file(".security.yml"), "utf8")).toBe(broken);
  });

  test("config check exits 2 when the Pico channel is enabled without a token, saying how to set one", async () => {
    home = makeTempHome();
    const result = await runBinary(["config", "check"], env({ PICOCLAW_CHANNELS_PICO_ENABLED: "true" }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("channels.pico.token");
    expect(result.stderr).toContain("picoclaw token generate");
  });

  test("config check warns about unknown keys and a group-readable .security.yml", async () => {
    home = makeTempHome({ "config.json": JSON.stringify({ gatway: {} }) });
    home.write(".security.yml", "agent:\n  api_key: sk-0123456789abcdef\n", 0o644);
    const result = await runBinary(["config", "check"], env());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('unknown key "gatway"');
    expect(result.stderr).toContain("readable by group or others (mode 0644)");
    expect(result.stderr).not.toContain("sk-0123456789abcdef");
  });
});

describe("picoclaw config show (binary)", () => {
  test("config show lists the history settings with their defaults", async () => {
    home = makeTempHome({});
    const result = await runBinary(["config", "show"], env());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).history).toEqual({
      enabled: { value: true, source: "default" },
      max_messages: { value: 1000, source: "default" },
      max_sessions: { value: 500, source: "default" },
    });
  });

  test("config show prints every value with its source and masks every secret", async () => {
    const picoToken = "pico-0123456789abcdef0123456789";
    const apiKey = "sk-live-abcdefghijklmnopqrstuv";
    const clientToken = "short";
    home = makeTempHome({
      "config.json": JSON.stringify({ gateway: { port: 18795 }, channels: { pico_client: { token: clientToken } } }),
      ".security.yml": `channels:\n  pico:\n    token: ${picoToken}\n`,
    });
    const result = await runBinary(["config", "show"], env({ PICOCLAW_AGENT_API_KEY: apiKey }));
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout);
    expect(shown.gateway.port).toEqual({ value: 18795, source: "config.json" });
    expect(shown.gateway.host).toEqual({ value: "127.0.0.1", source: "default" });
    expect(shown.channels.pico.token).toEqual({ value: "pico…6789", source: ".security.yml" });
    expect(shown.agent.api_key).toEqual({ value: "sk-l…stuv", source: "env" });
    expect(shown.channels.pico_client.token).toEqual({ value: "***", source: "config.json" });
    expect(shown.launcher.port).toEqual({ value: 18800, source: "default" });
    for (const secret of [picoToken, apiKey]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  });
});

describe("picoclaw config show --changed (binary)", () => {
  test("prints only the values that differ from the defaults, secrets masked, a value equal to its default left out", async () => {
    const picoToken = "pico-0123456789abcdef0123456789";
    home = makeTempHome({
      "config.json": JSON.stringify({ gateway: { port: 18795, host: "127.0.0.1" }, agent: { stream: false } }),
      ".security.yml": `channels:\n  pico:\n    token: ${picoToken}\n`,
      "launcher-config.json": JSON.stringify({ port: 18800, allowed_hosts: ["pi.local"] }),
    });
    const result = await runBinary(["config", "show", "--changed"], env({ PICOCLAW_HISTORY_MAX_SESSIONS: "20" }));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      gateway: { port: { value: 18795, source: "config.json" } },
      channels: { pico: { token: { value: "pico…6789", source: ".security.yml" } } },
      agent: { stream: { value: false, source: "config.json" } },
      history: { max_sessions: { value: 20, source: "env" } },
      launcher: { allowed_hosts: { value: ["pi.local"], source: "launcher-config.json" } },
    });
    expect(result.stdout).not.toContain(picoToken);
  });

  test("prints {} for a home with no files, and --changed elsewhere is a usage error (exit 2)", async () => {
    home = makeTempHome();
    const result = await runBinary(["config", "show", "--changed"], env());
    expect(result).toMatchObject({ code: 0, stdout: "{}\n" });
    const misused = await runBinary(["config", "check", "--changed"], env());
    expect(misused.code).toBe(2);
    expect(misused.stderr).toContain("--changed applies only to config show");
  });
});

describe("picoclaw gateway (binary)", () => {
  test("gateway answers /health and exits 0 on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      home = makeTempHome();
      const child = startBinary(["gateway"], env({ PICOCLAW_GATEWAY_PORT: "0" }));
      const [, port] = await child.waitFor(/gateway listening host=127\.0\.0\.1 port=(\d+)/);
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
      expect(await child.stop(signal)).toBe(0);
      home.remove();
    }
  });

  test("gateway exits 1 naming the port and the setting when the port is in use", async () => {
    home = makeTempHome();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      const result = await runBinary(["gateway"], env({ PICOCLAW_GATEWAY_PORT: String(blocker.port) }));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`127.0.0.1:${blocker.port}`);
      expect(result.stderr).toContain("gateway.port");
      expect(result.stderr).toContain("PICOCLAW_GATEWAY_PORT");
    } finally {
      blocker.stop(true);
    }
  });

  test("gateway exits 2 with a config error before binding anything", async () => {
    home = makeTempHome({ "config.json": "{" });
    const result = await runBinary(["gateway"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${home.file("config.json")}:1:2: invalid JSON`);
  });
});

describe("picoclaw launcher mode (binary)", () => {
  test("launcher mode writes logs/launcher.log with mode 0600 in a 0700 directory", async () => {
    home = makeTempHome();
    const child = startBinary(["--port", "0"], env({ PICOCLAW_GATEWAY_PORT: "0" }));
    await child.waitFor(/gateway listening/);
    expect(await child.stop()).toBe(0);
    const log = home.file("logs/launcher.log");
    expect(existsSync(log)).toBe(true);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(home.file("logs")).mode & 0o777).toBe(0o700);
    expect(readFileSync(log, "utf8")).toContain("gateway listening");
  });
});

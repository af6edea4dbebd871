import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import type { ConfigChange } from "./keys.ts";
import { loadConfig } from "./load.ts";
import { Secret } from "./secret.ts";
import { ConfigStore } from "./store.ts";

let home: TempHome;
afterEach(() => home.remove());

/** Changes to different keys of all three files; each would be lost by an unserialised read-modify-write. */
const CHANGES: ConfigChange[] = [
  { key: "channels.pico.ping_interval", value: 11 },
  { key: "channels.pico.read_timeout", value: 61 },
  { key: "channels.pico.write_timeout", value: 62 },
  { key: "channels.pico.max_connections", value: 7 },
  { key: "channels.pico.max_message_bytes", value: 4096 },
  { key: "channels.pico.max_frames_per_second", value: 5 },
  { key: "channels.pico.allow_token_query", value: true },
  { key: "agent.model", value: "model-from-update" },
  { key: "agent.system_prompt", value: "prompt-from-update" },
  { key: "agent.timeout", value: 33 },
  { key: "gateway.port", value: 18791 },
  { key: "channels.pico.token", value: "pico-token-from-update-0123456789" },
  { key: "agent.api_key", value: "sk-from-update-0123456789" },
  { key: "launcher.port", value: 18801 },
  { key: "launcher.allowed_hosts", value: ["picoclaw.example"] },
];

/** The raw value of `key` in a loaded config (secrets revealed). */
function valueOf(loaded: { config: unknown; launcher: unknown }, key: string): unknown {
  const [root, path] = key.startsWith("launcher.")
    ? [loaded.launcher, key.slice("launcher.".length)]
    : [loaded.config, key];
  let value: unknown = root;
  for (const part of path.split(".")) value = (value as Record<string, unknown>)[part];
  return value instanceof Object && "reveal" in value ? (value as { reveal(): string }).reveal() : value;
}

describe("ConfigStore.update()", () => {
  test("ConfigStore.update() runs concurrent updates one at a time, so none is lost in memory or on disk", async () => {
    home = makeTempHome({
      "config.json": JSON.stringify({ agent: { provider: "echo" } }),
      ".security.yml": '# secrets\nchannels:\n  pico:\n    token: "old-token-0123456789"\n',
    });
    const store = new ConfigStore(await loadConfig({ env: { PICOCLAW_HOME: home.path } }));
    const heard: string[] = [];
    store.subscribe((_next, changed) => heard.push(...changed));

    await Promise.all(CHANGES.map((change) => store.update([change])));

    const reloaded = await loadConfig({ env: { PICOCLAW_HOME: home.path } });
    for (const change of CHANGES) {
      expect({ key: change.key, value: valueOf(store.loaded, change.key) }).toEqual(change);
      expect({ key: change.key, value: valueOf(reloaded, change.key) }).toEqual(change);
    }
    expect(heard.sort()).toEqual(CHANGES.map((c) => c.key).sort());
  });

  test("ConfigStore.update() goes on with later updates after one fails validation", async () => {
    home = makeTempHome();
    const store = new ConfigStore(await loadConfig({ env: { PICOCLAW_HOME: home.path } }));
    const bad = store.update([{ key: "channels.pico.ping_interval", value: -1 }]);
    const good = store.update([{ key: "agent.model", value: "after-failure" }]);
    await expect(bad).rejects.toThrow("channels.pico.ping_interval");
    await good;
    expect(store.config.agent.model).toBe("after-failure");
  });
});

describe("ConfigStore.adoptLauncherToken()", () => {
  test("takes in a token another process wrote: no file is written, subscribers hear of it", async () => {
    home = makeTempHome({ "launcher-config.json": JSON.stringify({ launcher_token: "a".repeat(64) }) });
    const store = new ConfigStore(await loadConfig({ env: { PICOCLAW_HOME: home.path } }));
    const heard: string[] = [];
    store.subscribe((_next, changed) => heard.push(...changed));
    const before = readFileSync(home.file("launcher-config.json"), "utf8");
    await store.adoptLauncherToken(new Secret("b".repeat(64)), true);
    expect(store.launcher.launcher_token.reveal()).toBe("b".repeat(64));
    expect(store.launcher.generated).toBe(true);
    expect(store.loaded.sources.get("launcher.launcher_token")).toBe("launcher-config.json");
    expect(heard).toEqual(["launcher.launcher_token", "launcher.generated"]);
    expect(readFileSync(home.file("launcher-config.json"), "utf8")).toBe(before);
  });

  test("keeps a token from PICOCLAW_LAUNCHER_TOKEN, which outranks the file", async () => {
    home = makeTempHome();
    const env = { PICOCLAW_HOME: home.path, PICOCLAW_LAUNCHER_TOKEN: "e".repeat(64) };
    const store = new ConfigStore(await loadConfig({ env }));
    const heard: string[] = [];
    store.subscribe((_next, changed) => heard.push(...changed));
    await store.adoptLauncherToken(new Secret("b".repeat(64)), true);
    expect(store.launcher.launcher_token.reveal()).toBe("e".repeat(64));
    expect(heard).toEqual([]);
  });
});

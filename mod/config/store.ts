import { ConfigError, type ConfigProblem } from "../errors/mod.ts";
import { envName } from "./env.ts";
import { validateLayer } from "./layer.ts";
import { CONFIG_LEAVES, LAUNCHER_LEAVES, type LoadedConfig, type Source } from "./load.ts";
import { type Config, ConfigSchema, type LauncherConfig, LauncherConfigSchema } from "./schema.ts";
import { Secret } from "./secret.ts";
import { type KeyChange, updateJsonFile, updateYamlFile } from "./update_file.ts";
import type { ConfigChange, ConfigKey } from "./keys.ts";
import { deepFreeze, getIn, type Leaf, setIn } from "./walk.ts";

/** Called after an update with the new config and the keys that changed. */
export type ConfigListener = (next: LoadedConfig, changed: readonly ConfigKey[]) => void;

/** Where a key is written: secrets to `.security.yml`, launcher keys to `launcher-config.json`, the rest to `config.json`. */
interface Target {
  leaf: Leaf;
  file: "config.json" | ".security.yml" | "launcher-config.json";
}

function targetOf(key: string): Target {
  if (key.startsWith("launcher.")) {
    const leaf = LAUNCHER_LEAVES.find((l) => `launcher.${l.key}` === key);
    if (leaf) return { leaf, file: "launcher-config.json" };
  } else {
    const leaf = CONFIG_LEAVES.find((l) => l.key === key);
    if (leaf) return { leaf, file: leaf.info.secret ? ".security.yml" : "config.json" };
  }
  throw new ConfigError([{ source: "update", keyPath: key, message: "unknown config key" }]);
}

/** The raw (file-shaped) value of every leaf of a parsed object; secrets revealed for re-parsing. */
function rawValues(parsed: object, leaves: readonly Leaf[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const leaf of leaves) {
    const value = getIn(parsed, leaf.path);
    setIn(raw, leaf.path, value instanceof Secret ? value.reveal() : value);
  }
  return raw;
}

/**
 * Checks changes against the schema without applying them: one problem per bad value
 * (`keyPath` = the key, `message` = `expected <what it takes>, got <value>`, never a secret's value).
 *
 * @throws {ConfigError} For a key that is not a config key.
 * @example
 * validateChanges([{ key: "agent.timeout", value: 0 }]);
 * // [{ source: "update", keyPath: "agent.timeout", message: "expected a positive integer, got 0" }]
 */
export function validateChanges(changes: readonly ConfigChange[]): ConfigProblem[] {
  const configLayer: Record<string, unknown> = {};
  const launcherLayer: Record<string, unknown> = {};
  for (const change of changes) {
    const { leaf, file } = targetOf(change.key);
    setIn(file === "launcher-config.json" ? launcherLayer : configLayer, leaf.path, change.value);
  }
  const locate = (key: string) => ({ source: "update", keyPath: key });
  return [
    ...validateLayer(ConfigSchema, CONFIG_LEAVES, { raw: configLayer, locate }),
    ...validateLayer(LauncherConfigSchema, LAUNCHER_LEAVES, { raw: launcherLayer, locate }),
  ];
}

/**
 * The runtime config: the one place that changes it after start (rotating a token,
 * enabling a channel, saving the Pico client settings). `update()` validates, writes each
 * file atomically (0600, comments kept in `.security.yml`, never over a malformed file),
 * swaps in the new frozen config and notifies subscribers. Nothing else re-reads files.
 */
export class ConfigStore {
  #loaded: LoadedConfig;
  readonly #listeners = new Set<ConfigListener>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(loaded: LoadedConfig) {
    this.#loaded = loaded;
  }

  /** The current config, with sources and paths. */
  get loaded(): LoadedConfig {
    return this.#loaded;
  }

  /** The current effective config (components read it here rather than keeping copies). */
  get config(): Readonly<Config> {
    return this.#loaded.config;
  }

  /** The current launcher settings. */
  get launcher(): Readonly<LauncherConfig> {
    return this.#loaded.launcher;
  }

  /** Calls `listener` after every update; returns the function that unsubscribes. */
  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies changes: validated, written atomically, then live. Updates run one at a time.
   *
   * @returns Warnings, e.g. that an env variable will override a change after a restart.
   * @throws {ConfigError} A value fails the schema, or a file to rewrite is malformed (nothing written).
   * @throws {PicoclawError} `write_failed` when the disk refuses the write (the old files stay).
   */
  update(changes: readonly ConfigChange[]): Promise<{ warnings: string[] }> {
    const run = this.#queue.then(() => this.#apply(changes));
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Takes in a launcher token that another process wrote to launcher-config.json
   * (`picoclaw token reset-launcher`): nothing is written, and subscribers hear of it, so the
   * effective config (shown masked) names the token in force. A token from
   * `PICOCLAW_LAUNCHER_TOKEN` stays (it outranks the file).
   *
   * @param token The token the file now holds.
   * @param generated Whether the file says it was generated.
   * @returns Resolves once the store holds it (after any update under way).
   */
  adoptLauncherToken(token: Secret, generated: boolean): Promise<void> {
    const run = this.#queue.then(() => {
      const current = this.#loaded;
      if (current.sources.get("launcher.launcher_token") === "env") return;
      const sources = new Map(current.sources);
      sources.set("launcher.launcher_token", "launcher-config.json");
      sources.set("launcher.generated", "launcher-config.json");
      this.#loaded = deepFreeze({
        ...current,
        launcher: { ...current.launcher, launcher_token: token, generated },
        sources,
      });
      const changed: ConfigKey[] = ["launcher.launcher_token", "launcher.generated"];
      for (const listener of this.#listeners) listener(this.#loaded, changed);
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(changes: readonly ConfigChange[]): Promise<{ warnings: string[] }> {
    const current = this.#loaded;
    const targets = changes.map((c) => ({ ...c, ...targetOf(c.key) }));
    const configChanges = targets.filter((t) => t.file !== "launcher-config.json");
    const launcherChanges = targets.filter((t) => t.file === "launcher-config.json");

    const problems = validateChanges(changes);
    if (problems.length > 0) throw new ConfigError(problems);

    const files: Record<Target["file"], { path: string; changes: KeyChange[] }> = {
      "config.json": { path: current.paths.configFile, changes: [] },
      ".security.yml": { path: current.paths.securityFile, changes: [] },
      "launcher-config.json": { path: current.paths.launcherFile, changes: [] },
    };
    for (const t of targets) files[t.file].changes.push({ path: t.leaf.path, value: t.value });
    if (files[".security.yml"].changes.length > 0) {
      await updateYamlFile(files[".security.yml"].path, files[".security.yml"].changes);
    }
    for (const name of ["config.json", "launcher-config.json"] as const) {
      if (files[name].changes.length > 0) await updateJsonFile(files[name].path, files[name].changes);
    }

    const configRaw = rawValues(current.config, CONFIG_LEAVES);
    for (const t of configChanges) setIn(configRaw, t.leaf.path, t.value);
    const launcherRaw = rawValues(current.launcher, LAUNCHER_LEAVES);
    for (const t of launcherChanges) setIn(launcherRaw, t.leaf.path, t.value);
    const sources = new Map(current.sources);
    const warnings: string[] = [];
    for (const t of targets) {
      const previous = sources.get(t.key);
      if (previous === "env" || previous === "flag") {
        const by = previous === "env"
          ? t.file === "launcher-config.json" ? "PICOCLAW_LAUNCHER_TOKEN" : envName(t.leaf.path)
          : "a command-line flag";
        warnings.push(`${t.key} is also set by ${by}, which will override this change after a restart`);
      }
      sources.set(t.key, t.file as Source);
    }
    this.#loaded = deepFreeze({
      ...current,
      config: ConfigSchema.parse(configRaw),
      launcher: LauncherConfigSchema.parse(launcherRaw),
      sources,
    });
    const changed: ConfigKey[] = targets.map((t) => t.key);
    for (const listener of this.#listeners) listener(this.#loaded, changed);
    return { warnings };
  }
}

import type { LoadedConfig, Source } from "./load.ts";
import { CONFIG_LEAVES, LAUNCHER_LEAVES } from "./load.ts";
import { LauncherConfigSchema } from "./schema.ts";
import { ConfigSchema } from "./schema.ts";
import { maskUrlCredentials, Secret } from "./secret.ts";
import { getIn, type Leaf, setIn } from "./walk.ts";

/** One effective value and the layer it came from. */
export interface ShownValue {
  value: unknown;
  source: Source;
}

/** The value as it may be shown: URL credentials masked (secrets mask themselves). */
function shownValue(leaf: Leaf, value: unknown): unknown {
  return leaf.info.url && typeof value === "string" ? maskUrlCredentials(value) : value;
}

/** True when two leaf values are the same; secrets by whether they are set (every secret defaults to "", so no reveal()). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) {
    return a instanceof Secret && b instanceof Secret && a.isSet === b.isSet;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Options of {@link describeEffectiveConfig}. */
export interface DescribeOptions {
  /** Only the values that differ from the built-in defaults (`config show --changed`). @default false */
  changed?: boolean;
}

/**
 * The effective config as a nested object whose leaves are `{value, source}`, with the
 * launcher settings under `launcher`. Secrets stay `Secret`s, so `JSON.stringify` masks them;
 * URLs (`base_url`, `pico_client.url`) show their `user:pass@` masked. With `changed`, only
 * the values that differ from the defaults (a value set to its default is left out too).
 *
 * @example
 * describeEffectiveConfig(loaded, { changed: true }); // {gateway: {port: {value: 18791, source: "env"}}}
 */
export function describeEffectiveConfig(loaded: LoadedConfig, options: DescribeOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const defaults = options.changed
    ? { config: ConfigSchema.parse({}), launcher: LauncherConfigSchema.parse({}) }
    : undefined;
  for (const leaf of CONFIG_LEAVES) {
    if (defaults && sameValue(getIn(loaded.config, leaf.path), getIn(defaults.config, leaf.path))) continue;
    const shown: ShownValue = {
      value: shownValue(leaf, getIn(loaded.config, leaf.path)),
      source: loaded.sources.get(leaf.key) ?? "default",
    };
    setIn(out, leaf.path, shown);
  }
  for (const leaf of LAUNCHER_LEAVES) {
    if (defaults && sameValue(getIn(loaded.launcher, leaf.path), getIn(defaults.launcher, leaf.path))) continue;
    const key = `launcher.${leaf.key}`;
    const shown: ShownValue = {
      value: getIn(loaded.launcher, leaf.path),
      source: loaded.sources.get(key) ?? "default",
    };
    setIn(out, ["launcher", ...leaf.path], shown);
  }
  return out;
}

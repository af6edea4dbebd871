import type { LoadedConfig, Source } from "./load.ts";
import { CONFIG_LEAVES, LAUNCHER_LEAVES } from "./load.ts";
import { maskUrlCredentials } from "./secret.ts";
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

/**
 * The effective config as a nested object whose leaves are `{value, source}`, with the
 * launcher settings under `launcher`. Secrets stay `Secret`s, so `JSON.stringify` masks them;
 * URLs (`base_url`, `pico_client.url`) show their `user:pass@` masked.
 */
export function describeEffectiveConfig(loaded: LoadedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const leaf of CONFIG_LEAVES) {
    const shown: ShownValue = {
      value: shownValue(leaf, getIn(loaded.config, leaf.path)),
      source: loaded.sources.get(leaf.key) ?? "default",
    };
    setIn(out, leaf.path, shown);
  }
  for (const leaf of LAUNCHER_LEAVES) {
    const key = `launcher.${leaf.key}`;
    const shown: ShownValue = {
      value: getIn(loaded.launcher, leaf.path),
      source: loaded.sources.get(key) ?? "default",
    };
    setIn(out, ["launcher", ...leaf.path], shown);
  }
  return out;
}

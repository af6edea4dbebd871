import type { Config, LauncherConfig } from "./schema.ts";
import type { Secret } from "./secret.ts";

type LeafValue = string | number | boolean | Secret | readonly unknown[];

/** Dotted paths of every leaf of `T`: `channels.pico.token`, `gateway.port`, ... */
type LeafPaths<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends LeafValue ? `${Prefix}${K}` : LeafPaths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

type ValueAt<T, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T ? ValueAt<T[Head], Rest> : never
  : Path extends keyof T ? T[Path]
  : never;

/** A value as a file holds it: secrets are plain strings there. */
type Raw<V> = V extends Secret ? string : V;

/**
 * Every config key, typed from the schema: the leaves of `config.json` / `.security.yml`
 * (`channels.pico.token`) and of `launcher-config.json` under `launcher.` (`launcher.port`).
 * A misspelt key is a type error, not a silent no-op.
 */
export type ConfigKey = LeafPaths<Config> | `launcher.${LeafPaths<LauncherConfig>}`;

/** The raw value a key takes in `ConfigStore.update()`. */
export type ConfigValue<K extends ConfigKey> = K extends `launcher.${infer Rest}` ? Raw<ValueAt<LauncherConfig, Rest>>
  : Raw<ValueAt<Config, K>>;

/** One runtime change: a typed key and a value of that key's type. */
export type ConfigChange = { [K in ConfigKey]: { key: K; value: ConfigValue<K> } }[ConfigKey];

/** True when `changed` has `key`, or (for a prefix ending in `.`) any key under it. */
export function hasChanged(changed: readonly ConfigKey[], key: ConfigKey | `${string}.`): boolean {
  return key.endsWith(".") ? changed.some((k) => k.startsWith(key)) : changed.includes(key as ConfigKey);
}

import type { ConfigProblem } from "../errors/mod.ts";
import type { LeafInfo } from "./schema.ts";
import { type Leaf, setIn } from "./walk.ts";

/** Environment variables that are not config keys but are still ours. */
export const SPECIAL_ENV = ["PICOCLAW_HOME", "PICOCLAW_CONFIG", "PICOCLAW_LAUNCHER_TOKEN"] as const;

/** The env variable for a key path: `PICOCLAW_` + the path upper-cased, joined with `_`. */
export function envName(path: readonly string[]): string {
  return `PICOCLAW_${path.join("_").toUpperCase()}`;
}

const TRUE_WORDS = new Set(["true", "1", "yes"]);
const FALSE_WORDS = new Set(["false", "0", "no"]);

/** Converts an env string to the leaf's type, or says what was expected. */
export function coerceEnvValue(
  info: LeafInfo,
  value: string,
): { ok: true; value: unknown } | { ok: false; expected: string } {
  switch (info.kind) {
    case "boolean": {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false, expected: "true/false/1/0/yes/no" };
    }
    case "integer":
      // Numbers must parse fully: "12abc" and "" are errors, not 12 and 0.
      if (!/^\s*-?\d+\s*$/.test(value)) return { ok: false, expected: info.expected };
      return { ok: true, value: Number(value) };
    case "list":
      return { ok: true, value: value.split(",").map((s) => s.trim()).filter((s) => s !== "") };
    case "string":
      return { ok: true, value };
  }
}

/** The env layer: a raw config object built from `PICOCLAW_*` variables. */
export interface EnvLayer {
  raw: Record<string, unknown>;
  /** Which variable set each key path, so schema errors can name the variable. */
  variableByKey: Map<string, string>;
  problems: ConfigProblem[];
  warnings: string[];
}

/**
 * Builds the env layer by walking the schema's leaves, so that
 * `PICOCLAW_CHANNELS_PICO_CLIENT_URL` lands on `channels.pico_client.url` and never
 * on `channels.pico.client_url`. Unknown `PICOCLAW_*` variables are warnings.
 */
export function readEnvLayer(env: Record<string, string | undefined>, leaves: readonly Leaf[]): EnvLayer {
  const byName = new Map(leaves.map((l) => [envName(l.path), l]));
  const layer: EnvLayer = { raw: {}, variableByKey: new Map(), problems: [], warnings: [] };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("PICOCLAW_") || value === undefined) continue;
    if ((SPECIAL_ENV as readonly string[]).includes(name)) continue;
    const leaf = byName.get(name);
    if (!leaf) {
      layer.warnings.push(`${name}: unknown environment variable (ignored)`);
      continue;
    }
    const coerced = coerceEnvValue(leaf.info, value);
    if (!coerced.ok) {
      layer.problems.push({ source: name, message: `expected ${coerced.expected}, got ${JSON.stringify(value)}` });
      continue;
    }
    setIn(layer.raw, leaf.path, coerced.value);
    layer.variableByKey.set(leaf.key, name);
  }
  return layer;
}

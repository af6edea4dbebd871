import type { z } from "../zod/mod.ts";
import type { ConfigProblem } from "../errors/mod.ts";
import type { LeafInfo } from "./schema.ts";
import { maskUrlCredentials } from "./secret.ts";
import { findLeaf, getIn, type Leaf } from "./walk.ts";

/** Describes a bad value without ever printing a secret or a URL's credentials. */
function describeValue(value: unknown, info: LeafInfo | undefined): string {
  if (info?.secret) return value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`;
  const json = JSON.stringify(info?.url && typeof value === "string" ? maskUrlCredentials(value) : value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** One layer of raw config values and how to name where they came from. */
export interface Layer {
  raw: Record<string, unknown>;
  /** Names the place a key came from, for problem messages. */
  locate: (key: string) => { source: string; keyPath?: string };
  /** The value as the user wrote it, for problem messages (env strings before coercion). */
  original?: (key: string) => unknown;
  /** A YAML file: a string leaf that got another type gets the hint to quote it (`123456` is a number in YAML). */
  yaml?: boolean;
}

/**
 * Validates one layer's raw values against a schema whose keys are all optional, so the
 * problems are this layer's alone: `expected <what the leaf takes>, got <value>`.
 */
export function validateLayer(schema: z.ZodMiniType, leaves: readonly Leaf[], layer: Layer): ConfigProblem[] {
  const result = schema.safeParse(layer.raw);
  return (result.error?.issues ?? []).map((issue) => {
    const leaf = findLeaf(leaves, issue.path);
    const key = leaf?.key ?? issue.path.join(".");
    const value = layer.original?.(key) ?? getIn(layer.raw, leaf?.path ?? issue.path);
    const hint = layer.yaml && leaf?.info.kind === "string" ? " (quote it in YAML)" : "";
    const expected = leaf ? `${leaf.info.expected}${hint}` : "an object";
    return {
      ...layer.locate(key),
      message: `expected ${expected}, got ${describeValue(value, leaf?.info)}`,
    };
  });
}

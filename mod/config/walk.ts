import type { z } from "../zod/mod.ts";
import { type LeafInfo, leafInfo } from "./schema.ts";

/** One config leaf: its key path and how it is written and checked. */
export interface Leaf {
  path: readonly string[];
  /** Dotted key path, e.g. `channels.pico_client.url`. */
  key: string;
  info: LeafInfo;
}

type AnySchema = z.core.$ZodType;

/** Strips `.prefault()` / `.default()` / `.optional()` wrappers from an object schema. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema };
    if (!def.innerType) return current;
    current = def.innerType;
  }
}

/** The shape of an object schema (after unwrapping), or undefined for anything else. */
export function objectShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  const inner = unwrap(schema) as { _zod: { def: { type: string; shape?: Record<string, AnySchema> } } };
  return inner._zod.def.type === "object" ? inner._zod.def.shape : undefined;
}

/**
 * Lists every leaf of a config schema, depth first in declaration order.
 * Leaves are the schemas registered in `leafInfo`; this is how env names,
 * `config show` sources and error messages are all derived from the one schema.
 */
export function listLeaves(schema: AnySchema): Leaf[] {
  const out: Leaf[] = [];
  const visit = (node: AnySchema, path: string[]) => {
    const info = leafInfo.get(node as z.ZodMiniType);
    if (info) {
      out.push({ path, key: path.join("."), info });
      return;
    }
    const shape = objectShape(node);
    if (!shape) throw new Error(`Cannot walk config schema: "${path.join(".")}" is not a leaf or object`);
    for (const [name, child] of Object.entries(shape)) visit(child, [...path, name]);
  };
  visit(schema, []);
  return out;
}

/** Finds the leaf at or above `path` (array indexes below a leaf are ignored). */
export function findLeaf(leaves: readonly Leaf[], path: readonly PropertyKey[]): Leaf | undefined {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join(".");
    const found = leaves.find((l) => l.key === key);
    if (found) return found;
  }
  return undefined;
}

/** Reads the value at `path` in a plain object, or undefined. */
export function getIn(obj: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Sets the value at `path` in a plain object, creating intermediate objects. */
export function setIn(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = obj;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[path[path.length - 1]] = value;
}

/**
 * Lists keys in `raw` that the schema does not know, as dotted paths.
 * Values under a leaf are not descended into.
 */
export function unknownKeys(schema: AnySchema, raw: unknown, prefix: string[] = []): string[] {
  if (leafInfo.has(schema as z.ZodMiniType)) return [];
  const shape = objectShape(schema);
  if (!shape || raw === null || typeof raw !== "object" || Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const child = shape[name];
    if (!child) out.push([...prefix, name].join("."));
    else out.push(...unknownKeys(child, value, [...prefix, name]));
  }
  return out;
}

/** Deep-freezes plain objects and arrays (class instances such as `Secret` are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (
    value && typeof value === "object" && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
  ) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

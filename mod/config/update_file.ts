import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { ConfigError } from "../errors/mod.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { parseJsonText, parseYamlText } from "./read_file.ts";
import { setIn } from "./walk.ts";

/** One change to a config file: the key path and its new value (`undefined` removes the key). */
export interface KeyChange {
  path: readonly string[];
  value: unknown;
}

/** The file's text, or undefined when it does not exist. */
async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError([{ source: path, message: `Cannot read file: ${(err as Error).message}` }]);
  }
}

/**
 * Sets keys in a YAML file, keeping its comments and key order (yaml's Document API),
 * and writes it atomically with mode 0600. A malformed file is never overwritten.
 *
 * @throws {ConfigError} When the existing file cannot be read or parsed.
 * @throws {PicoclawError} `write_failed` when the write fails (the old file stays).
 */
export async function updateYamlFile(path: string, changes: readonly KeyChange[]): Promise<void> {
  const text = await readExisting(path) ?? "";
  const check = parseYamlText(path, text);
  if (check.problems.length > 0) throw new ConfigError(check.problems);
  if (check.value !== null && (typeof check.value !== "object" || Array.isArray(check.value))) {
    throw new ConfigError([{ source: path, message: "expected a YAML mapping at the top level" }]);
  }
  const doc = parseDocument(text);
  for (const change of changes) {
    if (change.value === undefined) doc.deleteIn(change.path);
    else doc.setIn(change.path, change.value);
  }
  await writeFileAtomic(path, doc.toString());
}

/**
 * Sets keys in a JSON file, keeping its key order, and writes it atomically with
 * mode 0600. A malformed file is never overwritten.
 *
 * @throws {ConfigError} When the existing file cannot be read or parsed.
 * @throws {PicoclawError} `write_failed` when the write fails (the old file stays).
 */
export async function updateJsonFile(path: string, changes: readonly KeyChange[]): Promise<void> {
  const text = await readExisting(path);
  let data: Record<string, unknown> = {};
  if (text !== undefined) {
    const parsed = parseJsonText(path, text);
    if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
    if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
      throw new ConfigError([{ source: path, message: "expected a JSON object at the top level" }]);
    }
    data = parsed.value as Record<string, unknown>;
  }
  for (const change of changes) {
    if (change.value === undefined) deleteIn(data, change.path);
    else setIn(data, change.path, change.value);
  }
  await writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`);
}

function deleteIn(obj: Record<string, unknown>, path: readonly string[]): void {
  let current: unknown = obj;
  for (const key of path.slice(0, -1)) {
    if (current === null || typeof current !== "object") return;
    current = (current as Record<string, unknown>)[key];
  }
  if (current !== null && typeof current === "object") {
    delete (current as Record<string, unknown>)[path[path.length - 1]];
  }
}

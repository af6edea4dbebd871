import { readFile, stat } from "node:fs/promises";
import { type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { parseDocument } from "yaml";
import type { ConfigProblem } from "../errors/mod.ts";

/** What reading one config file gave: nothing (missing), a plain object, or problems. */
export interface FileLayer {
  path: string;
  exists: boolean;
  /** The parsed top-level object, when the file exists and parsed. */
  raw?: Record<string, unknown>;
  /** Permission bits of the file, when it exists. */
  mode?: number;
  problems: ConfigProblem[];
}

/** Turns a 0-based character offset into 1-based line and column. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Describes a read error (permission, directory...) without a stack. */
function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "Cannot read file: permission denied";
  if (code === "EISDIR") return "Cannot read file: it is a directory";
  return `Cannot read file: ${(err as Error).message}`;
}

/** Parses JSON text strictly; on failure locates the first error with jsonc-parser. */
export function parseJsonText(path: string, text: string): { value?: unknown; problems: ConfigProblem[] } {
  try {
    return { value: JSON.parse(text), problems: [] };
  } catch (err) {
    // JSON.parse under Bun (JavaScriptCore) does not report a position; jsonc-parser does.
    const errors: ParseError[] = [];
    parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
    if (text.trim() === "") {
      return { problems: [{ source: path, line: 1, column: 1, message: "file is empty: expected a JSON object" }] };
    }
    const first = errors[0];
    if (!first) return { problems: [{ source: path, message: `invalid JSON: ${(err as Error).message}` }] };
    const { line, column } = lineColumnAt(text, first.offset);
    // "PropertyNameExpected" reads better as "property name expected".
    const what = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    return { problems: [{ source: path, line, column, message: `invalid JSON: ${what}` }] };
  }
}

/** Parses YAML text; syntax errors carry line and column. An empty document is `{}`. */
export function parseYamlText(path: string, text: string): { value?: unknown; problems: ConfigProblem[] } {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      source: path,
      ...lineColumnAt(text, e.pos[0]),
      message: `invalid YAML: ${e.message.split("\n")[0]}`,
    }));
    return { problems };
  }
  return { value: doc.toJS() ?? {}, problems: [] };
}

/**
 * Reads a JSON or YAML config file. A missing file is not an error; an unreadable or
 * malformed one gives problems naming the file and, for syntax errors, line and column.
 */
export async function readConfigFile(path: string, format: "json" | "yaml"): Promise<FileLayer> {
  let text: string;
  let mode: number;
  try {
    const info = await stat(path);
    mode = info.mode & 0o777;
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, problems: [] };
    return { path, exists: true, problems: [{ source: path, message: describeReadError(err) }] };
  }
  const parsed = format === "json" ? parseJsonText(path, text) : parseYamlText(path, text);
  if (parsed.problems.length > 0) return { path, exists: true, mode, problems: parsed.problems };
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = format === "json" ? "a JSON object" : "a YAML mapping";
    return {
      path,
      exists: true,
      mode,
      problems: [{ source: path, line: 1, column: 1, message: `expected ${what} at the top level` }],
    };
  }
  return { path, exists: true, mode, raw: value as Record<string, unknown>, problems: [] };
}

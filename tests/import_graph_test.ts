import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";

/**
 * The import arrows of `mod/` (DESIGN.md "How to check the shape"): other folders only through
 * their `mod.ts`, no server → server edge, no channel → server edge, no cycle between folders.
 */

const MOD = join(import.meta.dir, "..", "mod");
/** Servers: Hono apps that own a port. */
const SERVERS = new Set(["gateway", "launcher"]);
/** Channel adapters (today `channel` and the `pico` codec and client; DESIGN.md's `channels/` later). */
const CHANNELS = new Set(["channel", "pico", "channels", "chat_app", "telegram", "discord"]);
/** The conversation core: channels are built around it, so it never imports one (DESIGN.md). */
const CORE = "conversation";

/** One relative import: the importing file and the file it names, both relative to `mod/`. */
interface Edge {
  file: string;
  target: string;
}

/** The relative specifiers a source imports or re-exports (static, side-effect and dynamic), comments ignored. */
function relativeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const match of code.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) out.push(match[1]);
  return out;
}

/** Every edge of a tree given as file (relative to `mod/`, posix) → source text. */
function edgesOf(files: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [file, source] of files) {
    for (const spec of relativeImports(source)) {
      edges.push({ file, target: posix.normalize(posix.join(posix.dirname(file), spec)) });
    }
  }
  return edges;
}

/** The first path component: the folder a file belongs to (`..` for targets outside `mod/`). */
function folderOf(path: string): string {
  return path.split("/")[0];
}

/** Folder → folders it imports, from the edges between different folders inside `mod/`. */
function folderGraph(edges: readonly Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { file, target } of edges) {
    const from = folderOf(file);
    const to = folderOf(target);
    if (!graph.has(from)) graph.set(from, new Set());
    if (to !== ".." && to !== from) graph.get(from)!.add(to);
  }
  return graph;
}

/** The graph, one `folder -> a, b` line per folder, sorted. */
function renderGraph(graph: ReadonlyMap<string, ReadonlySet<string>>): string {
  return [...graph].sort(([a], [b]) => a.localeCompare(b))
    .map(([from, to]) => `  ${from} -> ${[...to].sort().join(", ") || "(nothing)"}`).join("\n");
}

/** A cycle between folders, as `a -> b -> a`, or undefined when the graph has none. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node].join(" -> ");
    state.set(node, "open");
    path.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every broken rule, one line each. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const edges = edgesOf(files);
  const problems: string[] = [];
  for (const { file, target } of edges) {
    const from = folderOf(file);
    const to = folderOf(target);
    if (to === ".." && target.startsWith("../tests/")) problems.push(`${file} imports test code ${target}`);
    if (to === ".." || to === from) continue;
    if (target !== `${to}/mod.ts`) problems.push(`${file} imports ${target}: other folders only through ${to}/mod.ts`);
    if (SERVERS.has(from) && SERVERS.has(to)) {
      problems.push(`${file} imports ${target}: a server never imports a server`);
    }
    if (CHANNELS.has(from) && SERVERS.has(to)) {
      problems.push(`${file} imports ${target}: a channel never imports a server`);
    }
    if (from === CORE && (CHANNELS.has(to) || SERVERS.has(to))) {
      problems.push(`${file} imports ${target}: the conversation core never imports a channel or a server`);
    }
  }
  const cycle = findCycle(folderGraph(edges));
  if (cycle) problems.push(`cycle between folders: ${cycle}`);
  return problems;
}

/** Packages that cost megabytes and milliseconds at every start: only code reached through `import()` may load them. */
const LAZY_PACKAGES = ["grammy", "@discordjs/ws", "@discordjs/rest"];

/** The static imports of a file that load code at run time (not `import type`, not all-`type` specifiers). */
function runtimeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const match of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']/gm)) {
    if (match[2]) continue;
    const names = /\{([^}]*)\}/.exec(match[3]);
    const onlyTypes = names !== null && !/^[\s\w*]+,/.test(match[3]) &&
      names[1].split(",").map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith("type "));
    if (!onlyTypes) out.push(match[4]);
  }
  for (const match of code.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) out.push(match[1]);
  return out;
}

/**
 * Every `mod.ts` face (and so every start) that would load a lazy package through static
 * imports. Files whose static imports reach one are collected transitively.
 */
function eagerHeavyFaces(files: ReadonlyMap<string, string>): string[] {
  const heavy = new Set<string>();
  for (const [file, source] of files) {
    if (runtimeImports(source).some((spec) => LAZY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`)))) {
      heavy.add(file);
    }
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [file, source] of files) {
      if (heavy.has(file)) continue;
      for (const spec of runtimeImports(source)) {
        if (!spec.startsWith(".")) continue;
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        if (heavy.has(target)) {
          heavy.add(file);
          grew = true;
          break;
        }
      }
    }
  }
  return [...heavy].filter((file) => file.endsWith("/mod.ts")).sort();
}

/** Every `.ts` file under `mod/` except unit tests, as path relative to `mod/` → text. */
function readModTree(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(MOD, { recursive: true, encoding: "utf8" })) {
    const path = entry.split("\\").join("/");
    if (!path.endsWith(".ts") || path.endsWith("_test.ts")) continue;
    files.set(path, readFileSync(join(MOD, entry), "utf8"));
  }
  return files;
}

describe("import graph of mod/", () => {
  test("mod/ keeps its arrows: mod.ts faces, no server -> server, no channel -> server, no cycle", () => {
    const files = readModTree();
    expect(files.size).toBeGreaterThan(20);
    expect(files.has("channel/channel.ts")).toBe(true);
    const problems = violations(files);
    if (problems.length > 0) {
      const graph = renderGraph(folderGraph(edgesOf(files)));
      throw new Error(`Cannot accept the import graph of mod/:\n${problems.join("\n")}\n\nFolder graph:\n${graph}`);
    }
    expect(problems).toEqual([]);
  });
});

describe("lazily loaded libraries", () => {
  test("no mod.ts face loads grammy or @discordjs/* at start: only import() reaches them", () => {
    expect(eagerHeavyFaces(readModTree())).toEqual([]);
  });

  test("eagerHeavyFaces() follows static imports, and not type-only or dynamic ones", () => {
    const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));
    expect(eagerHeavyFaces(tree({
      "telegram/mod.ts": `export { T } from "./channel.ts";`,
      "telegram/channel.ts": `import { helper } from "./api.ts";`,
      "telegram/api.ts": `import { Api } from "grammy";`,
    }))).toEqual(["telegram/mod.ts"]);
    expect(eagerHeavyFaces(tree({
      "telegram/mod.ts": `export { T } from "./channel.ts";`,
      "telegram/channel.ts": `import type { Api } from "grammy";\nimport { type Update } from "grammy/types";\n` +
        `const { Api: A } = await import("grammy");\nconst api = await import("./api.ts");`,
      "telegram/api.ts": `import { Api } from "grammy";`,
    }))).toEqual([]);
  });
});

describe("import graph checks", () => {
  const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

  test("relativeImports() finds import, export-from, type-only, side-effect and dynamic imports, not comments", () => {
    const source = [
      `import { a } from "../config/mod.ts";`,
      `import type { B } from "./b.ts";`,
      `export { c } from "../log/mod.ts";`,
      `import {\n  d,\n} from "../errors/mod.ts";`,
      `import "../zod/mod.ts";`,
      `const e = await import("../agent/mod.ts");`,
      `import { f } from "hono";`,
      `/** @example\n * import { g } from "../gateway/mod.ts";\n */`,
      `// import { h } from "../launcher/mod.ts";`,
    ].join("\n");
    expect(relativeImports(source)).toEqual([
      "../config/mod.ts",
      "./b.ts",
      "../log/mod.ts",
      "../errors/mod.ts",
      "../zod/mod.ts",
      "../agent/mod.ts",
    ]);
  });

  test("violations() flags an import of another folder's inner file", () => {
    const found = violations(tree({ "gateway/api.ts": `import { x } from "../channel/route.ts";` }));
    expect(found).toEqual(["gateway/api.ts imports channel/route.ts: other folders only through channel/mod.ts"]);
  });

  test("violations() flags launcher -> gateway and gateway -> launcher", () => {
    expect(violations(tree({ "launcher/app.ts": `import "../gateway/mod.ts";` }))).toEqual([
      "launcher/app.ts imports gateway/mod.ts: a server never imports a server",
    ]);
    expect(violations(tree({ "gateway/server.ts": `import "../launcher/mod.ts";` }))).toEqual([
      "gateway/server.ts imports launcher/mod.ts: a server never imports a server",
    ]);
  });

  test("violations() flags a channel folder importing a server", () => {
    expect(violations(tree({ "channel/route.ts": `import "../gateway/mod.ts";` }))).toEqual([
      "channel/route.ts imports gateway/mod.ts: a channel never imports a server",
    ]);
    expect(violations(tree({ "pico/client.ts": `import "../launcher/mod.ts";` }))).toEqual([
      "pico/client.ts imports launcher/mod.ts: a channel never imports a server",
    ]);
  });

  test("violations() flags the conversation core importing a channel", () => {
    expect(violations(tree({ "conversation/conversation.ts": `import "../channel/mod.ts";` }))).toEqual([
      "conversation/conversation.ts imports channel/mod.ts: the conversation core never imports a channel or a server",
    ]);
  });

  test("violations() flags a cycle between folders and names it", () => {
    const found = violations(tree({
      "agent/agent.ts": `import "../config/mod.ts";`,
      "config/load.ts": `import "../log/mod.ts";`,
      "log/logger.ts": `import "../agent/mod.ts";`,
    }));
    expect(found).toEqual(["cycle between folders: agent -> config -> log -> agent"]);
  });

  test("violations() accepts same-folder files, mod.ts faces and files outside mod/", () => {
    expect(violations(tree({
      "launcher/assets.ts": `import * as css from "../../web/style.css" with { type: "text" };`,
      "launcher/app.ts": `import { a } from "./assets.ts";\nimport { c } from "../channel/mod.ts";`,
      "channel/channel.ts": `import { p } from "../pico/mod.ts";`,
    }))).toEqual([]);
  });
});

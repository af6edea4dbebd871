import { describe, expect, test } from "bun:test";
import { type Asset, buildAssets, PAGES } from "./assets.ts";

/** The text of a script or stylesheet ("" for a binary asset: an icon is not JS or CSS). */
function textOf(asset: Asset): string {
  return typeof asset.body === "string" ? asset.body : "";
}

/** The JS + CSS (+ HTML) a page loads before any lazy import: its tags, then static imports, transitively. */
function firstLoad(html: string, assets: Map<string, Asset>): { names: string[]; bytes: number } {
  const queue = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const asset = assets.get(name);
    if (!asset) throw new Error(`Cannot find asset ${name}, loaded by a page`);
    // Static `import … from "./x.js"` and `import "./x.js"`; dynamic `import("./x.js")` is lazy.
    for (const m of textOf(asset).matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+)["']/g)) queue.push(m[1]);
  }
  const names = [...seen];
  const bytes = new TextEncoder().encode(html).length +
    names.reduce((sum, name) => sum + new TextEncoder().encode(textOf(assets.get(name)!)).length, 0);
  return { names, bytes };
}

/** First-load budget of each page (uncompressed bytes), issue 13. */
const BUDGET = 60 * 1024;
/** A string only `marked` holds (its own error message; names are minified away). */
const MARKED_MARKER = "Please report this to https://github.com/markedjs/marked";

describe("bundled dashboard assets", () => {
  const assets = buildAssets();

  test("each page's first load (HTML, JS and CSS) stays within 60 KB, without marked", () => {
    for (const [page, html] of Object.entries(PAGES)) {
      const { names, bytes } = firstLoad(html, assets);
      console.log(`${page}: first load ${bytes} bytes (${names.join(", ")})`);
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      for (const name of names) expect(textOf(assets.get(name)!)).not.toContain(MARKED_MARKER);
    }
  });

  test("marked sits in its own chunk, imported lazily by the dashboard", () => {
    const chunks = [...assets].filter(([, asset]) => textOf(asset).includes(MARKED_MARKER));
    expect(chunks.length).toBe(1);
    const [name, chunk] = chunks[0];
    console.log(`markdown chunk ${name}: ${new TextEncoder().encode(textOf(chunk)).length} bytes`);
    const dashboard = textOf(assets.get("dashboard.js")!);
    expect(dashboard).toContain(`import("./${name}")`);
  });

  test("page scripts are bundled browser modules: no TypeScript, no bare imports", () => {
    for (const [name, asset] of assets) {
      if (!name.endsWith(".js")) continue;
      expect(asset.contentType).toContain("text/javascript");
      expect(asset.body).not.toMatch(/from\s*["'](?!\.\/)[^"']+["']/);
      expect(asset.body).not.toContain('.ts"');
    }
    expect([...assets.keys()]).toContain("login.js");
  });
});

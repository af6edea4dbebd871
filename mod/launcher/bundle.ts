import { join } from "node:path";

/** One bundled file of the dashboard: its name under `/assets/` and its text. */
export interface BundledFile {
  name: string;
  text: string;
}

const WEB = join(import.meta.dir, "..", "..", "web");

/** The pages' entry scripts; everything else in `web/` is reached through their imports. */
export const WEB_ENTRYPOINTS = ["dashboard.ts", "login.ts"];

/**
 * Classic (non-module) scripts, each bundled alone: `theme.ts` runs in `<head>` before the first
 * paint, which a module script (deferred) cannot do.
 */
export const CLASSIC_SCRIPTS = ["theme.ts"];

/**
 * Bundles the dashboard's scripts for the browser with Bun's bundler: one minified ES module per
 * page (`dashboard.js`, `login.js`), shared code and dynamic imports (the Markdown renderer) in
 * hashed chunks (`chunk-<hash>.js`) that the pages load from `/assets/` too.
 *
 * @returns The files, each named as the pages and chunks import it.
 * @throws {Error} When the bundler reports an error (a bad import in `web/`).
 */
export async function buildWebFiles(): Promise<BundledFile[]> {
  const result = await Bun.build({
    entrypoints: WEB_ENTRYPOINTS.map((name) => join(WEB, name)),
    target: "browser",
    format: "esm",
    minify: true,
    splitting: true,
    naming: { entry: "[name].[ext]", chunk: "chunk-[hash].[ext]" },
    throw: false,
  });
  const classic = await Bun.build({
    entrypoints: CLASSIC_SCRIPTS.map((name) => join(WEB, name)),
    target: "browser",
    format: "iife",
    minify: true,
    naming: { entry: "[name].[ext]" },
    throw: false,
  });
  for (const build of [result, classic]) {
    if (!build.success) {
      throw new Error(`Cannot bundle the dashboard: ${build.logs.map((log) => String(log)).join("; ")}`);
    }
  }
  return await Promise.all(
    [...result.outputs, ...classic.outputs].map(async (output) => ({
      name: output.path.replace(/^.*[\\/]/, ""),
      text: await output.text(),
    })),
  );
}

/**
 * The dashboard's bundled scripts, for use as a Bun macro: `bun build --compile` runs it once and
 * inlines the result in the binary; from source (`bun main.ts`, `bun test`) it runs when the
 * importing file loads. The bundler cannot run inside a macro (it is the caller), so this runs
 * `buildWebFiles()` in a child `bun` process.
 *
 * @returns The files, each named as the pages and chunks import it.
 * @throws {Error} When the child process fails (its stderr says why).
 * @example
 * import { bundleWeb } from "./bundle.ts" with { type: "macro" };
 * const files = bundleWeb(); // [{ name: "dashboard.js", text: "..." }, ...]
 */
export function bundleWeb(): BundledFile[] {
  const child = Bun.spawnSync([process.execPath, import.meta.path], { stdout: "pipe", stderr: "pipe" });
  if (!child.success) {
    // Bun reports an exception thrown by a macro only as "cannot coerce Exception": print the cause first.
    const detail = child.stderr.toString().trim();
    console.error(detail);
    throw new Error(`Cannot bundle the dashboard: ${detail}`);
  }
  return JSON.parse(child.stdout.toString());
}

if (import.meta.main) {
  process.stdout.write(JSON.stringify(await buildWebFiles()));
}

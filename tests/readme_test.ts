import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "./helpers/binary.ts";

/**
 * The README's shell examples keep working. Convention: a ```sh block directly preceded by the
 * line `<!-- test -->` is safe to run (no sudo, no server left running, no network). Each such
 * block runs with `bash -euo pipefail` against the built binary (`picoclaw` on PATH) in a fresh
 * temp PICOCLAW_HOME and a separate fake HOME, which must stay empty: the examples write only
 * under "${PICOCLAW_HOME:-$HOME/.picoclaw}". Blocks without the marker are not run.
 */

const ROOT = join(import.meta.dir, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** Commands a block marked safe must not contain. */
const UNSAFE = /\b(sudo|systemctl|scp|ssh|rm\s+-rf|curl|wget|install-service)\b/;
const BLOCK_TIMEOUT_MS = 30_000;

/** The marked blocks: their first line number (1-based) and their text. */
function markedShellBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  for (const match of markdown.matchAll(/^<!-- test -->\n```sh\n([\s\S]*?)^```$/gm)) {
    blocks.push({ line: markdown.slice(0, match.index).split("\n").length + 2, code: match[1] });
  }
  return blocks;
}

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Runs one block in bash with a deadline; the child is killed when it passes. */
async function runBlock(code: string, env: Record<string, string>, cwd: string) {
  const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", code], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), BLOCK_TIMEOUT_MS);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { stdout, stderr, exitCode };
}

describe("README.md shell examples", () => {
  const blocks = markedShellBlocks(README);

  test("at least two blocks are marked <!-- test -->, and none of them does anything unsafe", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      expect({ line: block.line, unsafe: block.code.match(UNSAFE)?.[0] }).toEqual({
        line: block.line,
        unsafe: undefined,
      });
    }
  });

  for (const block of blocks) {
    test(`the block at README.md:${block.line} exits 0 and writes only under PICOCLAW_HOME`, async () => {
      const bin = tempDir("picoclaw-readme-bin-");
      symlinkSync(BINARY, join(bin, "picoclaw"));
      const home = tempDir("picoclaw-readme-home-");
      const fakeHome = tempDir("picoclaw-readme-user-");
      const cwd = tempDir("picoclaw-readme-cwd-");
      mkdirSync(join(cwd, "x"));
      const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: fakeHome, PICOCLAW_HOME: join(home, "pico") };
      const result = await runBlock(block.code, env, cwd);
      expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: "" });
      expect(readdirSync(fakeHome)).toEqual([]);
      expect(readdirSync(cwd)).toEqual(["x"]);
    });
  }

  test("the Pico token block leaves a 0600 .security.yml that config check accepts with the channel on", async () => {
    const block = blocks.find((b) => b.code.includes(".security.yml"));
    expect(block).toBeDefined();
    const bin = tempDir("picoclaw-readme-bin-");
    symlinkSync(BINARY, join(bin, "picoclaw"));
    const parent = tempDir("picoclaw-readme-home-");
    const home = join(parent, "pico");
    const fakeHome = tempDir("picoclaw-readme-user-");
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: fakeHome, PICOCLAW_HOME: home };
    const result = await runBlock(block!.code, env, parent);
    expect(result.stdout).toContain("config ok");
    expect(statSync(join(home, ".security.yml")).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(home, ".security.yml"), "utf8")).toMatch(/token: "[0-9a-f]{64}"/);
  });

  test("no command runs a bare `bun` (a Node-only machine has node_modules/.bin/bun or make)", () => {
    expect(README.match(/(^|[\s`(])bun (main\.ts|run|test)\b/gm) ?? []).toEqual([]);
    const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { tasks: Record<string, string> };
    for (const task of Object.values(deno.tasks)) expect(task).not.toMatch(/^bun /);
  });
});

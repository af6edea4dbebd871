import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STATUS_BY_CODE } from "../mod/errors/mod.ts";
import { CLIENT_FRAME_TYPES } from "../mod/pico/mod.ts";
import { type GatewayProcess, startGatewayProcess } from "./helpers/binary.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";

const ROOT = join(import.meta.dir, "..");
const DOC_PATH = join(ROOT, "docs", "protocol.md");
const DOC = readFileSync(DOC_PATH, "utf8");
const TOKEN = "docs-example-token-0123456789abcdef";

/** The first ```ts block after the heading `## A minimal client`. */
function minimalClientCode(markdown: string): string {
  const heading = markdown.search(/^## A minimal client$/m);
  if (heading < 0) throw new Error(`Cannot find the heading "## A minimal client" in ${DOC_PATH}`);
  const block = markdown.slice(heading).match(/^```ts\n([\s\S]*?)^```$/m);
  if (!block) throw new Error(`Cannot find a \`\`\`ts block after "## A minimal client" in ${DOC_PATH}`);
  return block[1];
}

/** Every `*.ts` file under `dir` that is not a test. */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith("_test.ts")) files.push(path);
  }
  return files;
}

/**
 * The frame types the code base sends or handles: the client types `parseFrame` accepts, the
 * first argument of every frame builder call, and every `"message.*"`, `"media.*"`,
 * `"typing.*"` literal in `mod/`.
 */
function frameTypesInCode(): Set<string> {
  const types = new Set<string>(CLIENT_FRAME_TYPES);
  const builder = /\b(?:serverFrame|encodeServerFrame|#frame|#contentFrame)\(\s*"([a-z_.]+)"/g;
  const dotted = /"((?:message|media|typing)\.[a-z_]+)"/g;
  for (const file of sourceFiles(join(ROOT, "mod"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(builder)) types.add(match[1]);
    for (const match of text.matchAll(dotted)) types.add(match[1]);
  }
  return types;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-");
}

interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the doc's example with `bun`, bounded to 20 s so a hung example fails instead of waiting. */
async function runExample(script: string, env: Record<string, string>, text: string): Promise<ExampleRun> {
  const proc = Bun.spawn([process.execPath, script, text], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    timeout: 20_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

describe("docs/protocol.md minimal client", () => {
  let gateway: GatewayProcess;
  let dir: string;
  let script: string;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_AGENT_PROVIDER: "echo",
    });
    dir = mkdtempSync(join(tmpdir(), "picoclaw-docs-"));
    script = join(dir, "minimal_client.ts");
    writeFileSync(script, minimalClientCode(DOC));
  });

  afterAll(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the example prints the echoed reply and exits 0 against the compiled gateway", async () => {
    const url = `ws://127.0.0.1:${gateway.port}/pico`;
    const run = await runExample(script, { PICO_URL: url, PICO_TOKEN: TOKEN }, "Hello from the docs");
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("message.create: Hello from the docs\n");
    expect(run.code).toBe(0);
  }, 30_000);

  test("the example exits 1 and says why when the token is wrong", async () => {
    const url = `ws://127.0.0.1:${gateway.port}/pico`;
    const run = await runExample(script, { PICO_URL: url, PICO_TOKEN: "not-the-token" }, "Hello");
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Cannot chat: connection closed with");
    expect(run.code).toBe(1);
  }, 30_000);

  test("the example exits 1 with the error frame's code when the server answers with an error", async () => {
    const url = `ws://127.0.0.1:${gateway.port}/pico`;
    const run = await runExample(script, { PICO_URL: url, PICO_TOKEN: TOKEN }, "   ");
    expect(run.stdout).toBe("");
    expect(run.stderr).toStartWith("error empty_content: ");
    expect(run.code).toBe(1);
  }, 30_000);

  test("the example's expected output shown in the doc is what it prints", async () => {
    const shown = DOC.slice(DOC.search(/^## A minimal client$/m)).match(/^```text\n([\s\S]*?)^```$/m);
    expect(shown).not.toBeNull();
    const url = `ws://127.0.0.1:${gateway.port}/pico`;
    const run = await runExample(script, { PICO_URL: url, PICO_TOKEN: TOKEN }, "Hello");
    expect(run.stdout).toBe(shown![1]);
  }, 30_000);
  test("the example prints a streamed reply as message.create then message.update lines", async () => {
    const reply = "one two three four five six seven eight";
    const fake = startFakeOpenAI("sk-docs-example-0000000000", { reply, chunkSize: 4 });
    const streaming = await startGatewayProcess({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_AGENT_PROVIDER: "openai",
      PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
      PICOCLAW_AGENT_API_KEY: "sk-docs-example-0000000000",
      PICOCLAW_AGENT_MODEL: "fake-model",
    });
    try {
      const url = `ws://127.0.0.1:${streaming.port}/pico`;
      const run = await runExample(script, { PICO_URL: url, PICO_TOKEN: TOKEN }, "count");
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split("\n");
      // One create with the first part, then updates with the whole text so far; the last is complete.
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toStartWith("message.create: ");
      expect(lines.at(-1)).toBe(`message.update: ${reply}`);
      for (const line of lines.slice(1)) expect(line).toStartWith("message.update: ");
      for (const line of lines) expect(reply.startsWith(line.slice(line.indexOf(": ") + 2))).toBe(true);
    } finally {
      await streaming.stop();
      fake.stop();
    }
  }, 30_000);
});

describe("docs/protocol.md coverage", () => {
  test("every error code in mod/errors is documented", () => {
    const codes = Object.keys(STATUS_BY_CODE);
    expect(codes.length).toBeGreaterThan(10);
    const missing = codes.filter((code) => !DOC.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  test("every HTTP status the doc's tables give an error code is the status the server answers with", () => {
    const statuses = STATUS_BY_CODE as Record<string, number>;
    let checked = 0;
    for (const row of DOC.matchAll(/^\|.*\|$/gm)) {
      const cells = row[0].split("|").map((cell) => cell.trim());
      const code = cells.map((cell) => cell.match(/^`([a-z_]+)`$/)?.[1]).find((c) => c && c in statuses);
      const status = cells.find((cell) => /^\d{3}$/.test(cell));
      if (!code || !status) continue;
      expect(`${code} ${status}`).toBe(`${code} ${statuses[code]}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
  });

  test("every frame type the code base sends or accepts is documented with a heading", () => {
    const types = frameTypesInCode();
    // The scan must find the frames it is meant to, or a broken regex would pass silently.
    for (const known of ["ping", "message.send", "pong", "error", "message.create", "typing.stop"]) {
      expect(types).toContain(known);
    }
    const headings = new Set([...DOC.matchAll(/^### `([a-z_.]+)`/gm)].map((m) => m[1]));
    for (const both of DOC.matchAll(/^### `([a-z_.]+)` and `([a-z_.]+)`/gm)) headings.add(both[2]);
    const missing = [...types].filter((type) => !headings.has(type));
    expect(missing).toEqual([]);
  });

  test("every close code the server uses is in the close code table", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(ROOT, "mod", "channel"))) {
      for (const match of readFileSync(file, "utf8").matchAll(/\.close\((\d{4})/g)) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(0);
    const table = DOC.slice(DOC.indexOf("## Close codes"), DOC.indexOf("## Liveness"));
    for (const code of [...used, "1000", "1009"]) expect(table).toContain(`| ${code} |`);
  });

  test("every internal link points at a heading and no link leaves the repository", () => {
    const anchors = new Set([...DOC.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
    const links = [...DOC.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    // It must stand alone: no contract, worktree or other file outside the repository named.
    const outside = /SPEC|\/work\/|https?:\/\/(?!127\.0\.0\.1|localhost|host\b)[a-z0-9]/;
    expect(DOC.match(outside)?.[0]).toBeUndefined();
    for (const link of links) {
      expect(link).toStartWith("#");
      expect(anchors).toContain(link.slice(1));
    }
  });
});

/**
 * @module
 * Startup and footprint benchmark (`make bench`): for the built x64 binary, 20 runs each of
 * `picoclaw gateway` and launcher mode, measuring exec → first `/health` answer and the idle
 * RSS a second later (private and file-backed parts), next to a bare `Bun.serve` compiled the
 * same way in the same run. Prints the binary sizes, and the arm64 binary's start under qemu
 * when `qemu-aarch64-static` is there.
 *
 * Flags: --runs N (default 20).
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { collectOutput, fmt, printTable } from "./lib.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const RUNS = Number(values.runs);
const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
const work = mkdtempSync(join(tmpdir(), "picoclaw-bench-startup-"));

interface Sample {
  startupMs: number;
  rss: number;
  anon: number;
  file: number;
}

function memory(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** One start: spawn, wait for the port in the output, poll until it answers, then idle 1 s. */
async function startOnce(cmd: string[], env: Record<string, string>, pattern: RegExp, path: string): Promise<Sample> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "pipe" });
  let output = "";
  let port = 0;
  collectOutput(proc, (text) => {
    output += text;
    port ||= Number(output.match(pattern)?.[1] ?? 0);
  });
  let answered = 0;
  while (!answered) {
    if (proc.exitCode !== null) throw new Error(`${cmd.join(" ")} exited: ${output}`);
    if (port) {
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.arrayBuffer(), () => undefined);
      if (ok) answered = performance.now();
    }
    if (!answered) await Bun.sleep(1);
  }
  await Bun.sleep(1000);
  const mem = memory(proc.pid);
  proc.kill("SIGTERM");
  await proc.exited;
  return { startupMs: answered - started, ...mem };
}

async function series(
  name: string,
  cmd: string[],
  env: Record<string, string>,
  pattern: RegExp,
  path: string,
  runs: number,
) {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const home = mkdtempSync(join(work, "home-"));
    samples.push(await startOnce(cmd, { ...env, HOME: home, PICOCLAW_HOME: home }, pattern, path));
  }
  const sorted = (f: (s: Sample) => number) => samples.map(f).sort((a, b) => a - b);
  const stats = (xs: number[]) => ({ min: xs[0], median: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1] });
  return {
    name,
    startup: stats(sorted((s) => s.startupMs)),
    rss: stats(sorted((s) => s.rss)),
    anon: stats(sorted((s) => s.anon)).median,
    file: stats(sorted((s) => s.file)).median,
  };
}

const MB = 1048576;
const PATH = { PATH: process.env.PATH ?? "" };
const GATEWAY_LINE = /gateway listening host=\S+ port=(\d+)/;
try {
  const bare = join(work, "bare");
  const build = Bun.spawnSync([
    process.execPath,
    "build",
    "--compile",
    join(ROOT, "bench", "bare_http_server.ts"),
    "--outfile",
    bare,
  ]);
  if (build.exitCode !== 0) throw new Error(`Cannot compile the baseline: ${build.stderr}`);
  const binary = join(DIST, "picoclaw");
  const results = [
    await series("bare Bun.serve (compiled)", [bare], PATH, /port=(\d+)/, "/", RUNS),
    await series(
      "picoclaw gateway",
      [binary, "gateway"],
      { ...PATH, PICOCLAW_GATEWAY_PORT: "0" },
      GATEWAY_LINE,
      "/health",
      RUNS,
    ),
    await series(
      "picoclaw (launcher mode)",
      [binary, "--port", "0"],
      { ...PATH, PICOCLAW_GATEWAY_PORT: "0" },
      GATEWAY_LINE,
      "/health",
      RUNS,
    ),
  ];
  console.log(`\nStartup benchmark: ${RUNS} runs each, exec → first answer, RSS 1 s later (linux-x64).\n`);
  printTable([
    ["target", "start min ms", "median", "max", "RSS min MB", "median", "max", "private MB", "file MB"],
    ...results.map((r) => [
      r.name,
      fmt(r.startup.min),
      fmt(r.startup.median),
      fmt(r.startup.max),
      fmt(r.rss.min / MB),
      fmt(r.rss.median / MB),
      fmt(r.rss.max / MB),
      fmt(r.anon / MB),
      fmt(r.file / MB),
    ]),
  ]);
  const [base, gateway, launcher] = results;
  console.log(
    `\nmedian start: gateway ${fmt(gateway.startup.median)} ms, launcher ${
      fmt(launcher.startup.median)
    } ms (target <= 100 ms); ` +
      `${fmt(gateway.startup.median / base.startup.median, 2)}× the bare server`,
  );
  console.log(
    `median idle RSS: gateway ${fmt(gateway.rss.median / MB)} MB, launcher ${
      fmt(launcher.rss.median / MB)
    } MB (target <= 40 MB); ` +
      `the bare server ${fmt(base.rss.median / MB)} MB`,
  );
  for (const name of ["picoclaw", "picoclaw-linux-x64", "picoclaw-linux-x64-baseline", "picoclaw-linux-arm64"]) {
    const file = join(DIST, name);
    if (existsSync(file)) console.log(`binary ${name}: ${fmt(statSync(file).size / MB)} MB (target <= 100 MB)`);
  }
  console.log(`the Bun runtime alone (compiled bare server): ${fmt(statSync(bare).size / MB)} MB`);
  const arm64 = join(DIST, "picoclaw-linux-arm64");
  if (existsSync(arm64) && existsSync("/usr/bin/qemu-aarch64-static")) {
    const qemu = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", arm64, "gateway"];
    const emulated = await series(
      "arm64 under qemu",
      qemu,
      { ...PATH, PICOCLAW_GATEWAY_PORT: "0" },
      GATEWAY_LINE,
      "/health",
      3,
    );
    console.log(`arm64 under qemu (emulated, not a Pi's speed): median start ${fmt(emulated.startup.median)} ms`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

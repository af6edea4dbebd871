/**
 * @module
 * Login benchmark (`make bench`): against the built binary in launcher mode, measures
 * `POST /login` requests/s with the right token, and on the 429 path (an IP over the
 * brute-force limit), next to a bare `Bun.serve` answering a fixed 429 in the same run.
 * Distinct client IPs come from `X-Forwarded-For`, which the launcher trusts from loopback.
 *
 * Flags: --seconds N (default 5), --concurrency N (default 64).
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuSeconds, fmt, printTable, startServer } from "./lib.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, concurrency: { type: "string", default: "64" } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const ROOT = join(import.meta.dir, "..");

/** Runs `CONCURRENCY` closed-loop workers for `SECONDS`; returns requests/s and the statuses seen. */
async function hammer(url: string, init: () => RequestInit, pid: number) {
  let count = 0;
  const statuses = new Map<number, number>();
  const deadline = performance.now() + SECONDS * 1000;
  const cpu0 = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, init());
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      count++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: count / elapsed, serverCpu: (cpuSeconds(pid) - cpu0) / elapsed, statuses };
}

const home = mkdtempSync(join(tmpdir(), "picoclaw-bench-login-"));
const rows: string[][] = [["target", "requests/s", "server CPU", "statuses"]];
const describe = (s: Map<number, number>) => [...s].map(([k, v]) => `${k}×${v}`).join(" ");
try {
  const bare = await startServer(
    [process.execPath, join(ROOT, "bench", "bare_http_server.ts")],
    { PATH: process.env.PATH ?? "" },
    /port=(\d+)/,
  );
  const baseline = await hammer(`http://127.0.0.1:${bare.port}/login`, () => ({ method: "POST" }), bare.proc.pid);
  await bare.stop();

  const launcher = await startServer([join(ROOT, "dist", "picoclaw"), "--port", "0"], {
    PATH: process.env.PATH ?? "",
    HOME: home,
    PICOCLAW_HOME: home,
    PICOCLAW_GATEWAY_PORT: "0",
  }, /launcher listening host=\S+ port=(\d+)/);
  const token = JSON.parse(readFileSync(join(home, "launcher-config.json"), "utf8")).launcher_token;
  const url = `http://127.0.0.1:${launcher.port}/login`;
  const login = (body: string, ip: string): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body,
  });
  const right = JSON.stringify({ token });
  const valid = await hammer(url, () => login(right, "10.1.0.1"), launcher.proc.pid);
  for (let i = 0; i < 10; i++) await fetch(url, login('{"token":"wrong"}', "10.2.0.1"));
  const limited = await hammer(url, () => login(right, "10.2.0.1"), launcher.proc.pid);
  await launcher.stop();

  rows.push([
    "bare Bun.serve fixed 429",
    fmt(baseline.perSecond, 0),
    `${fmt(baseline.serverCpu * 100, 0)}%`,
    describe(baseline.statuses),
  ]);
  rows.push([
    "picoclaw POST /login, right token",
    fmt(valid.perSecond, 0),
    `${fmt(valid.serverCpu * 100, 0)}%`,
    describe(valid.statuses),
  ]);
  rows.push([
    "picoclaw POST /login, 429 path",
    fmt(limited.perSecond, 0),
    `${fmt(limited.serverCpu * 100, 0)}%`,
    describe(limited.statuses),
  ]);
  console.log(`\nLogin benchmark: ${CONCURRENCY} concurrent clients, ${SECONDS} s each.\n`);
  printTable(rows);
  console.log(
    `\n429 path: ${fmt(limited.perSecond, 0)} req/s (target >= 5000), ${
      fmt(limited.perSecond / baseline.perSecond, 2)
    } of bare`,
  );
  console.log(`right token: ${fmt(valid.perSecond, 0)} req/s, ${fmt(valid.perSecond / baseline.perSecond, 2)} of bare`);
} finally {
  rmSync(home, { recursive: true, force: true });
}

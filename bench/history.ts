/**
 * @module
 * Chat history benchmark (`bun bench/history.ts`): on a fresh `picoclaw.db` in a temp dir, the
 * time to read a full 1 000-message session (the dashboard's largest page; target ≤ 20 ms),
 * the agent's 20-turn context, and the 500-session list (medians of many runs), then append
 * throughput: the cost of `append()` itself (the hot path) and appends written to disk per second.
 *
 * Flags: --runs N (default 200), --bytes N (message size, default 500).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SqliteHistoryStore } from "../mod/history/mod.ts";
import { fmt, percentile, printTable } from "./lib.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "200" }, bytes: { type: "string", default: "500" } },
});
const RUNS = Number(values.runs);
const BYTES = Number(values.bytes);
const work = mkdtempSync(join(tmpdir(), "picoclaw-bench-history-"));
const content = "x".repeat(BYTES);

function message(session: string, n: number) {
  return {
    session_id: session,
    role: n % 2 ? "assistant" as const : "user" as const,
    content,
    message_id: `${session}-m${n}`,
    channel: "pico" as const,
  };
}

/** Median and p95 (ms) of `RUNS` timed calls. */
async function time(run: () => Promise<unknown>): Promise<string[]> {
  const samples = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const start = Bun.nanoseconds();
    await run();
    samples[i] = (Bun.nanoseconds() - start) / 1e6;
  }
  samples.sort();
  return [fmt(percentile(samples, 50), 2), fmt(percentile(samples, 95), 2)];
}

try {
  const store = SqliteHistoryStore.open(join(work, "picoclaw.db"));
  for (let s = 0; s < 500; s++) {
    for (let n = 0; n < (s === 0 ? 1000 : 10); n++) store.append(message(`s${s}`, n));
    await store.flush();
  }
  const reads = [
    ["read 1 000-message session", ...await time(() => store.messages("s0", { limit: 1000 }))],
    ["read default page (100)", ...await time(() => store.messages("s0"))],
    ["agent context (20 turns)", ...await time(() => store.lastTurns("s0"))],
    ["list 500 sessions", ...await time(() => store.listSessions())],
  ];
  console.log(`history reads: ${RUNS} runs each, ${BYTES}-byte messages (target: 1 000 messages ≤ 20 ms)`);
  printTable([["what", "median ms", "p95 ms"], ...reads]);

  const APPENDS = 100_000;
  let start = Bun.nanoseconds();
  for (let n = 0; n < APPENDS; n++) {
    store.append(message(`t${n % 100}`, n));
    if (n % 5_000 === 4_999) await store.flush(); // as the 100 ms timer would under load
  }
  const appendNs = Bun.nanoseconds() - start;
  start = Bun.nanoseconds();
  await store.flush();
  await store.close();
  const totalMs = (appendNs + Bun.nanoseconds() - start) / 1e6;

  const hot = SqliteHistoryStore.open(join(work, "hot.db"));
  const HOT = 5_000;
  start = Bun.nanoseconds();
  for (let n = 0; n < HOT; n++) hot.append(message("hot", n));
  const perAppendUs = (Bun.nanoseconds() - start) / 1e3 / HOT;
  await hot.close();
  console.log(`\nappends: ${APPENDS} messages in 100 sessions (max_messages 1 000), ${BYTES} bytes each`);
  printTable([
    ["what", "figure"],
    ["written to disk (append + batched transactions)", `${fmt(APPENDS / (totalMs / 1000), 0)} msg/s`],
    ["append() call alone (the hot path, no write)", `${fmt(perAppendUs, 2)} µs`],
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

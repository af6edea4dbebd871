/**
 * @module
 * The history writer thread's work per message row (`bun bench/history_writer.ts`, part of
 * `make bench`): what `writer_worker.ts` does with one batch (decode the batch text, then
 * `writeBatch()` in one transaction) measured in this thread, in the state a busy gateway
 * keeps it in: 50 sessions at their `max_messages` (1 000), so every row also trims one, short
 * messages, 10 000 rows per transaction (100 ms of a busy gateway). The baseline, in the same
 * run and on the same kind of file: the same rows inserted with one plain prepared INSERT into a
 * table with no key, index or check (about the least SQLite can do per row).
 *
 * Flags: --batches N (default 60; the first third warms up).
 */

import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { batchText, decodeBatch, type RowValues, writeBatch } from "../mod/history/_write_batch.ts";
import { migrate } from "../mod/history/schema.ts";
import { fmt, printTable } from "./lib.ts";

const { values } = parseArgs({ options: { batches: { type: "string", default: "60" } } });
const BATCHES = Number(values.batches);
const ROWS = 10_000;
const SESSIONS = 50;
const MAX_MESSAGES = 1000;
const work = mkdtempSync(join(tmpdir(), "picoclaw-bench-writer-"));

/** A database file set up as the store sets up its own (WAL, synchronous NORMAL). */
function openFile(name: string): Database {
  const db = new Database(join(work, name), { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  return db;
}

/** The batch texts, as the main thread hands them over: a request and its echo reply per turn. */
function batches(): string[] {
  const sessions = Array.from({ length: SESSIONS }, () => crypto.randomUUID());
  const texts: string[] = [];
  let n = 0;
  for (let b = 0; b < BATCHES; b++) {
    const rows: RowValues[] = [];
    for (let i = 0; i < ROWS; i++, n++) {
      const user = n % 2 === 0;
      rows.push([
        sessions[(n >> 1) % SESSIONS],
        user ? "user" : "assistant",
        "hello benchmark",
        user ? String(n) : crypto.randomUUID(),
        Date.now(),
        "pico",
        null,
      ]);
    }
    texts.push(batchText(rows));
  }
  return texts;
}

/** CPU µs per row of `write` over the batches after the warm-up third. */
function cpuPerRow(texts: string[], write: (rows: RowValues[]) => void): number {
  const warm = Math.floor(texts.length / 3);
  let start = process.cpuUsage();
  for (const [i, text] of texts.entries()) {
    if (i === warm) start = process.cpuUsage();
    write(decodeBatch(text));
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ((texts.length - warm) * ROWS);
}

try {
  const texts = batches();
  const history = openFile("picoclaw.db");
  migrate(history);
  const product = cpuPerRow(texts, (rows) => {
    history.transaction(() => writeBatch(history, rows, MAX_MESSAGES, 500))();
  });
  history.close();

  const bare = openFile("bare.db");
  bare.run("CREATE TABLE t (a, b, c, d, e, f, g)");
  const insert = bare.query<unknown, RowValues>("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)");
  const baseline = cpuPerRow(texts, (rows) => {
    bare.transaction(() => {
      for (const row of rows) insert.run(...row);
    })();
  });
  bare.close();

  console.log(
    `history writer: ${SESSIONS} sessions at max_messages ${MAX_MESSAGES}, ${ROWS} rows per transaction, ` +
      `CPU per row (decode + write)`,
  );
  printTable([
    ["what", "µs per row"],
    ["writeBatch (the writer thread's work)", fmt(product, 2)],
    ["baseline: plain INSERT, no key, index or check", fmt(baseline, 2)],
    ["ratio", fmt(product / baseline, 2)],
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

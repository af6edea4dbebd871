import { Database } from "bun:sqlite";
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { SqliteHistoryStore } from "../../mod/history/mod.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

setDefaultTimeout(120_000);

const WRITER = join(import.meta.dir, "..", "helpers", "history_writer.ts");
/** Rounds of write, kill -9, reopen. */
const ROUNDS = process.env.PICOCLAW_SLOW ? 20 : 3;

let home: TempHome;
afterEach(() => home?.remove());

/** Starts the writer and resolves with the highest `safe <n>` it printed once it has printed `want` or more. */
async function runUntilSafe(
  start: number,
  want: number,
): Promise<{ proc: ReturnType<typeof Bun.spawn>; safe: number }> {
  const proc = Bun.spawn([process.execPath, WRITER], {
    env: { PATH: process.env.PATH ?? "", PICOCLAW_HOME: home.path, WRITER_START: String(start) },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  let safe = -1;
  const deadline = Date.now() + 30_000;
  while (safe < want) {
    if (Date.now() > deadline) throw new Error(`Writer never reported ${want} safe messages: ${text.slice(-200)}`);
    const { done, value } = await reader.read();
    if (done) throw new Error(`Writer exited early: ${text.slice(-200)}`);
    text += decoder.decode(value, { stream: true });
    for (const match of text.matchAll(/safe (\d+)\n/g)) safe = Math.max(safe, Number(match[1]));
    text = text.slice(text.lastIndexOf("\n") + 1);
  }
  return { proc, safe };
}

describe("kill -9 while writing history", () => {
  test(`${ROUNDS} kills: every message appended 1 s before the kill is in picoclaw.db, which opens cleanly`, async () => {
    home = makeTempHome();
    let start = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { proc, safe } = await runUntilSafe(start, start + 100);
      proc.kill("SIGKILL");
      expect(await proc.exited).not.toBe(0);
      // The program's own open path (WAL recovery, migrations) accepts the file...
      await SqliteHistoryStore.open(home.file("picoclaw.db")).close();
      // ...and SQLite finds it intact, holding every message appended 1 s before the kill.
      const db = new Database(home.file("picoclaw.db"), { readonly: true });
      expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
      const stored = new Set(
        db.query<{ message_id: string }, []>(
          "SELECT message_id FROM messages JOIN sessions ON key = session_key WHERE id = 'kill'",
        ).all()
          .map((row) => row.message_id),
      );
      db.close();
      const missing = [];
      for (let n = start; n <= safe; n++) if (!stored.has(`m${n}`)) missing.push(n);
      expect(missing).toEqual([]);
      start = safe + 1_000_000; // the next round's ids never collide with rows the killed one wrote
    }
  });
});

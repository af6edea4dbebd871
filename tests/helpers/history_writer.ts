/**
 * @module
 * A child process for the history kill -9 test: opens `$PICOCLAW_HOME/picoclaw.db` through
 * `openHistory()` and appends pairs of messages every 5 ms (`m<n>`, session `kill`) until it is killed.
 * After each pair it prints `safe <n>`: every message up to `m<n>` was appended at least 1 s
 * earlier (so SPEC §6 says it must survive a kill -9).
 */

import { writeSync } from "node:fs";
import { join } from "node:path";
import { openHistory } from "../../mod/history/mod.ts";

const store = openHistory({ path: join(process.env.PICOCLAW_HOME!, "picoclaw.db"), maxMessages: 1_000_000 });
if (store.kind !== "sqlite") throw new Error("Cannot run the history writer: the database did not open");
const start = Number(process.env.WRITER_START ?? 0);
const appendedAt: number[] = []; // appendedAt[i]: when m<start + i> was appended
let safe = -1;
for (let n = start;; n++) {
  store.append({
    session_id: "kill",
    role: n % 2 ? "assistant" : "user",
    content: `message ${n}`,
    message_id: `m${n}`,
    channel: "pico",
  });
  appendedAt.push(Date.now());
  if (n % 2 === 1) {
    const cutoff = Date.now() - 1000;
    while (safe + 1 < appendedAt.length && appendedAt[safe + 1] <= cutoff) safe++;
    if (safe >= 0) writeSync(1, `safe ${start + safe}\n`);
    await Bun.sleep(5); // a steady chat-like rate (far below the pending bound), so the 100 ms timer does the writing
  }
}

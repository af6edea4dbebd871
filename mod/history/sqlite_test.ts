import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log/mod.ts";
import { MAX_PENDING_ROWS, SqliteHistoryStore } from "./sqlite.ts";
import type { HistoryChannel, NewHistoryMessage, Role } from "./store.ts";

let dir: string;
let path: string;
let store: SqliteHistoryStore | undefined;
let transactions: number[];
let logLines: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "picoclaw-history-"));
  path = join(dir, "picoclaw.db");
  transactions = [];
  logLines = [];
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function open(options: { maxMessages?: number; maxSessions?: number } = {}): SqliteHistoryStore {
  store = SqliteHistoryStore.open(path, {
    ...options,
    log: createLogger({ stderr: (line) => logLines.push(line) }),
    onTransaction: (rows) => transactions.push(rows),
  });
  return store;
}

function message(
  session: string,
  n: number,
  role: Role = n % 2 === 0 ? "user" : "assistant",
  channel: HistoryChannel = "pico",
): NewHistoryMessage {
  return { session_id: session, role, content: `${role} ${n}`, message_id: `m${n}`, timestamp: 1_000 + n, channel };
}

/** Rows in the file, read through a connection of its own (what another process would see). */
function rowsOnDisk(): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages").get()!.n;
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe("SqliteHistoryStore batching", () => {
  test("append() writes nothing at once; flush() writes 1 000 appends in one transaction", async () => {
    const s = open();
    for (let n = 0; n < 1000; n++) s.append(message("s1", n));
    expect(transactions).toEqual([]);
    expect(rowsOnDisk()).toBe(0);
    await s.flush();
    expect(transactions).toEqual([1000]);
    expect(rowsOnDisk()).toBe(1000);
  });

  test("a timer writes the batch without any flush() call", async () => {
    const s = open();
    s.append(message("s1", 0));
    s.append(message("s1", 1));
    await until(() => transactions.length > 0, "the batch timer");
    expect(transactions).toEqual([2]);
    expect(rowsOnDisk()).toBe(2);
  });

  test("reads see messages still in the pending batch (read-your-writes)", async () => {
    const s = open();
    s.append(message("s1", 0));
    expect((await s.messages("s1"))?.map((m) => m.content)).toEqual(["user 0"]);
    expect((await s.listSessions()).map((x) => x.id)).toEqual(["s1"]);
    s.append(message("s1", 1));
    expect(await s.lastTurns("s1")).toHaveLength(2);
  });

  test("close() writes the pending batch; appends after close are ignored", async () => {
    const s = open();
    s.append(message("s1", 0));
    await s.close();
    expect(() => s.append(message("s1", 1))).not.toThrow();
    expect(rowsOnDisk()).toBe(1);
  });

  test("a failing write is logged once, throws nothing, keeps the batch, and lands once the table is back", async () => {
    const s = open();
    s.append(message("s1", 0));
    await s.flush();
    const other = new Database(path);
    other.run("ALTER TABLE messages RENAME TO broken");
    for (let n = 1; n <= 3; n++) {
      s.append(message("s1", n));
      await s.flush();
    }
    expect(transactions).toEqual([1]);
    expect(logLines.filter((l) => l.includes("ERROR"))).toHaveLength(1);
    expect(logLines[0]).toContain(`Cannot write chat history ${path}`);
    other.run("ALTER TABLE broken RENAME TO messages");
    other.close();
    await s.flush();
    expect(transactions).toEqual([1, 3]);
    expect(rowsOnDisk()).toBe(4);
    expect(logLines.filter((l) => l.includes("ERROR"))).toHaveLength(1);
  });

  test("a batch reaching MAX_PENDING_ROWS is handed to the writer at once, without waiting for the timer", async () => {
    const s = open();
    for (let n = 0; n < MAX_PENDING_ROWS - 1; n++) s.append(message("s1", n));
    expect(s.unsent).toBe(MAX_PENDING_ROWS - 1);
    s.append(message("s1", MAX_PENDING_ROWS - 1));
    expect(s.unsent).toBe(0);
    await until(() => transactions.length > 0, "the batch");
    expect(transactions).toEqual([MAX_PENDING_ROWS]);
  });

  test("while writes fail the batch stays bounded: the oldest messages are dropped and counted", async () => {
    const s = open({ maxMessages: 100_000 });
    s.append(message("s1", 0));
    await s.flush();
    const other = new Database(path);
    other.run("ALTER TABLE messages RENAME TO broken");
    await s.flush(); // nothing pending: no failure yet
    for (let n = 1; n <= MAX_PENDING_ROWS; n++) s.append(message("s1", n)); // handed over at MAX_PENDING_ROWS: fails
    await until(() => logLines.some((l) => l.includes("ERROR")), "the failed write");
    for (let n = MAX_PENDING_ROWS + 1; n <= MAX_PENDING_ROWS + 50; n++) s.append(message("s1", n));
    expect(s.unsent).toBe(MAX_PENDING_ROWS);
    other.run("ALTER TABLE broken RENAME TO messages");
    other.close();
    await s.flush();
    expect(rowsOnDisk()).toBe(1 + MAX_PENDING_ROWS);
    expect((await s.messages("s1", { limit: 2, before: "m52" }))?.map((m) => m.message_id)).toEqual(["m0", "m51"]);
    expect(logLines.at(-1)).toContain("dropped=50");
  });

  test("while a batch is being written the next one stays bounded: the oldest are dropped, logged and counted", async () => {
    const s = open({ maxMessages: 100_000 });
    s.append(message("s1", 0));
    const first = s.flush(); // in flight until the worker answers, which cannot happen during this loop
    for (let n = 1; n <= MAX_PENDING_ROWS + 10; n++) s.append(message("s1", n));
    expect(s.unsent).toBe(MAX_PENDING_ROWS);
    await first;
    await s.flush();
    expect(rowsOnDisk()).toBe(1 + MAX_PENDING_ROWS);
    expect((await s.messages("s1", { limit: 2, before: "m12" }))?.map((m) => m.message_id)).toEqual(["m0", "m11"]);
    expect(logLines.filter((l) => l.includes("ERROR"))).toHaveLength(1);
    expect(logLines[0]).toContain("the writer is behind");
    expect(logLines.at(-1)).toContain("dropped=10");
  });

  test("close() during a write failure says how many messages were lost, and throws nothing", async () => {
    const s = open();
    s.append(message("s1", 0));
    await s.flush();
    const other = new Database(path);
    other.run("ALTER TABLE messages RENAME TO broken");
    other.close();
    s.append(message("s1", 1));
    s.append(message("s1", 2));
    await s.close();
    expect(logLines.filter((l) => l.includes("ERROR"))).toHaveLength(2);
    expect(logLines.at(-1)).toContain("2 messages lost at close");
  });

  test("append() rejects an unknown role or channel before it reaches the batch", () => {
    const s = open();
    expect(() => s.append({ ...message("s1", 0), role: "system" as Role })).toThrow("unknown role");
    expect(() => s.append({ ...message("s1", 0), channel: "irc" as HistoryChannel })).toThrow("unknown channel");
  });
});

describe("SqliteHistoryStore limits", () => {
  test("max_messages keeps the newest messages of a session", async () => {
    const s = open({ maxMessages: 5 });
    for (let n = 0; n < 8; n++) s.append(message("s1", n));
    expect((await s.messages("s1"))?.map((m) => m.message_id)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect((await s.listSessions())[0].messages).toBe(5);
    for (let n = 8; n < 10; n++) s.append(message("s1", n));
    expect((await s.messages("s1"))?.map((m) => m.message_id)).toEqual(["m5", "m6", "m7", "m8", "m9"]);
  });

  test("a batch interleaving sessions keeps each session's order, and trims each to its own newest", async () => {
    const s = open({ maxMessages: 3 });
    for (let n = 0; n < 12; n++) s.append(message(n % 3 === 0 ? "a" : "b", n));
    expect((await s.messages("a"))?.map((m) => m.message_id)).toEqual(["m3", "m6", "m9"]);
    expect((await s.messages("b"))?.map((m) => m.message_id)).toEqual(["m8", "m10", "m11"]);
    expect((await s.listSessions()).map((x) => x.messages)).toEqual([3, 3]);
  });

  test("a stray row under the next number (not written by this program) does not stop the writes", async () => {
    const s = open();
    s.append(message("s1", 0));
    await s.flush();
    const other = new Database(path);
    other.run(`INSERT INTO messages (session_key, seq, role, content, message_id, timestamp, channel)
      VALUES ((SELECT key FROM sessions WHERE id = 's1'), 2, 'user', 'stray', 'x', 1, 'pico')`);
    other.close();
    s.append(message("s1", 1));
    s.append(message("s1", 2));
    expect((await s.messages("s1"))?.map((m) => m.message_id)).toEqual(["m0", "m1", "m2"]);
    expect(logLines).toEqual([]);
  });

  test("max_sessions drops the least recently active sessions with their messages", async () => {
    const s = open({ maxSessions: 3 });
    for (const [i, id] of ["a", "b", "c"].entries()) s.append({ ...message(id, 0), timestamp: 1_000 + i });
    await s.flush();
    s.append({ ...message("a", 1), timestamp: 2_000 }); // a is active again
    s.append({ ...message("d", 0), timestamp: 2_001 });
    expect((await s.listSessions()).map((x) => x.id)).toEqual(["d", "a", "c"]);
    expect(await s.messages("b")).toBeUndefined();
    expect(rowsOnDisk()).toBe(4);
  });
});

describe("SqliteHistoryStore reads", () => {
  test("listSessions() lists newest first with title, channel, count and updated_at", async () => {
    const s = open();
    const long = "x".repeat(100);
    s.append({ ...message("old", 0, "assistant", "telegram"), timestamp: 10 });
    s.append({ ...message("old", 1, "user", "telegram"), content: `  ${long}`, timestamp: 11 });
    s.append({ ...message("old", 2, "user", "telegram"), content: "second", timestamp: 12 });
    s.append({ ...message("new", 0, "user", "dashboard"), content: "hello\nthere", timestamp: 20 });
    expect(await s.listSessions()).toEqual([
      { id: "new", title: "hello there", channel: "dashboard", messages: 1, updated_at: 20 },
      { id: "old", title: "x".repeat(60), channel: "telegram", messages: 3, updated_at: 12 },
    ]);
  });

  test("messages() pages oldest first with limit (default 100, 1..1000) and before", async () => {
    const s = open({ maxMessages: 2000 });
    for (let n = 0; n < 1200; n++) s.append(message("s1", n));
    const ids = (page: { message_id: string }[] | undefined) => page?.map((m) => m.message_id);
    const last = await s.messages("s1");
    expect(last).toHaveLength(100);
    expect(last?.[0].message_id).toBe("m1100");
    expect(last?.[99]).toEqual({
      role: "assistant",
      content: "assistant 1199",
      message_id: "m1199",
      timestamp: 2199,
      channel: "pico",
    });
    expect(await s.messages("s1", { limit: 5000 })).toHaveLength(1000);
    expect(ids(await s.messages("s1", { limit: 0 }))).toEqual(["m1199"]);
    expect(ids(await s.messages("s1", { limit: 3, before: "m10" }))).toEqual(["m7", "m8", "m9"]);
    expect(ids(await s.messages("s1", { limit: 3, before: "m1" }))).toEqual(["m0"]);
    expect(await s.messages("s1", { before: "nope" })).toEqual([]);
    expect(await s.messages("unknown")).toBeUndefined();
  });

  test("messages() returns model_name only when the message has one", async () => {
    const s = open();
    s.append({ ...message("s1", 1, "assistant"), model_name: "gpt-x" });
    expect((await s.messages("s1"))?.[0].model_name).toBe("gpt-x");
  });

  test("deleteSession() removes the session and its pending and stored messages", async () => {
    const s = open();
    s.append(message("s1", 0));
    await s.flush();
    s.append(message("s1", 1));
    s.append(message("s2", 0));
    expect(await s.deleteSession("s1")).toBe(true);
    expect(await s.messages("s1")).toBeUndefined();
    expect((await s.listSessions()).map((x) => x.id)).toEqual(["s2"]);
    expect(await s.deleteSession("s1")).toBe(false);
    expect(rowsOnDisk()).toBe(1);
  });

  test("deleteSession() spares a message appended after the call, even when a read sends it before the delete ran", async () => {
    const s = open();
    s.append(message("s1", 0));
    const deleted = s.deleteSession("s1"); // waits for m0's batch
    s.append(message("s1", 1)); // the session starts anew
    const read = s.messages("s1"); // wants m1 written: its batch goes out as soon as m0's is back
    expect(await deleted).toBe(true);
    await read;
    expect((await s.messages("s1"))?.map((m) => m.message_id)).toEqual(["m1"]);
    expect(rowsOnDisk()).toBe(1);
  });

  test("deleteSession() called while a batch is in flight still spares the messages appended after it", async () => {
    const s = open();
    s.append(message("s0", 0));
    const other = s.deleteSession("s0"); // m0 of s0 goes out now: a batch is in flight
    s.append(message("s1", 1)); // before the delete: deleted with s1
    const deleted = s.deleteSession("s1");
    s.append(message("s1", 2)); // after it: s1 anew
    expect(await other).toBe(true);
    expect(await deleted).toBe(true);
    expect((await s.messages("s1"))?.map((m) => m.message_id)).toEqual(["m2"]);
    expect((await s.listSessions()).map((x) => [x.id, x.messages])).toEqual([["s1", 1]]);
  });

  test("lastTurns() gives the last 20 turns up to the newest reply, oldest first", async () => {
    const s = open();
    for (let n = 0; n < 50; n++) s.append(message("s1", n)); // 25 turns: m0/m1 … m48/m49
    s.append(message("s1", 50)); // a user message still waiting for its reply
    const turns = await s.lastTurns("s1");
    expect(turns).toHaveLength(40);
    expect(turns[0].message_id).toBe("m10");
    expect(turns.at(-1)?.message_id).toBe("m49");
    expect((await s.lastTurns("s1", 2)).map((m) => m.message_id)).toEqual(["m46", "m47", "m48", "m49"]);
    expect(await s.lastTurns("unknown")).toEqual([]);
  });

  test("lastTurns() keeps a turn whose reply failed as a lone user message", async () => {
    const s = open();
    s.append(message("s1", 0, "user"));
    s.append(message("s1", 1, "user")); // the replies to m1 and m2 failed: no assistant rows
    s.append(message("s1", 2, "user"));
    s.append(message("s1", 3, "assistant"));
    expect((await s.lastTurns("s1", 1)).map((m) => m.message_id)).toEqual(["m2", "m3"]);
    expect((await s.lastTurns("s1", 2)).map((m) => m.message_id)).toEqual(["m1", "m2", "m3"]);
    expect((await s.lastTurns("s1", 3)).map((m) => m.message_id)).toEqual(["m0", "m1", "m2", "m3"]);
  });
});

describe("SqliteHistoryStore file", () => {
  test("creates picoclaw.db and its -wal and -shm files 0600 whatever the umask, in WAL mode", async () => {
    const umask = process.umask(0);
    try {
      const s = open();
      s.append(message("s1", 0));
      await s.flush();
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
    const db = new Database(path, { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    db.close();
  });

  test("keeps messages across a close and a reopen", async () => {
    open().append(message("s1", 0));
    await store!.close();
    expect((await open().messages("s1"))?.map((m) => m.content)).toEqual(["user 0"]);
  });
});

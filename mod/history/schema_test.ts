import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, type Migration, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
import { SqliteHistoryStore } from "./sqlite.ts";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "picoclaw-schema-"));
  path = join(dir, "picoclaw.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tables(db: Database): string[] {
  return db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    .map((t) => t.name);
}

function messagesTableSql(db: Database): string {
  return db.query<{ sql: string }, []>("SELECT sql FROM sqlite_master WHERE name = 'messages'").get()!.sql;
}

describe("migrate()", () => {
  test("takes an empty database (user_version 0) to version 3", () => {
    const db = new Database(path);
    expect(migrate(db)).toEqual({ from: 0, to: 3 });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(["messages", "sessions", "sqlite_sequence"]);
    const indexes = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
      .all().map((i) => i.name);
    expect(indexes).toContain("sessions_by_activity");
    expect(indexes).not.toContain("messages_by_session"); // the table itself is in session order
    expect(indexes).not.toContain("messages_by_message_id");
    expect(messagesTableSql(db)).not.toContain("AUTOINCREMENT");
    expect(messagesTableSql(db)).toContain("WITHOUT ROWID");
    db.close();
  });

  test("migrates a version 0 file holding other tables and keeps them", async () => {
    const old = new Database(path);
    old.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    old.run("INSERT INTO notes (text) VALUES ('keep me')");
    old.close();
    const store = SqliteHistoryStore.open(path);
    store.append({ session_id: "s", role: "user", content: "hi", message_id: "m1", channel: "pico" });
    await store.close();
    const db = new Database(path);
    expect(schemaVersion(db)).toBe(3);
    expect(db.query<{ text: string }, []>("SELECT text FROM notes").get()?.text).toBe("keep me");
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages").get()?.n).toBe(1);
    db.close();
  });

  test("runs only the missing steps: a version 2 entry upgrades a version 1 file and keeps its rows", () => {
    const v1 = new Database(path);
    migrate(v1, MIGRATIONS.slice(0, 1));
    v1.run(`INSERT INTO messages (session_id, role, content, message_id, timestamp, channel)
      VALUES ('s', 'user', 'hi', 'm1', 1, 'pico')`);
    v1.close();
    let ranFirst = 0;
    const counted: Migration = (db) => {
      ranFirst++;
      MIGRATIONS[0](db);
    };
    const v2: Migration = (db) => db.run("ALTER TABLE messages ADD COLUMN tokens INTEGER");
    const db = new Database(path);
    expect(migrate(db, [counted, v2])).toEqual({ from: 1, to: 2 });
    expect(ranFirst).toBe(0);
    expect(schemaVersion(db)).toBe(2);
    expect(db.query<{ content: string; tokens: null }, []>("SELECT content, tokens FROM messages").all())
      .toEqual([{ content: "hi", tokens: null }]);
    db.close();
  });

  test("a failing step leaves the file at the version before it", () => {
    const db = new Database(path);
    const broken: Migration = (d) => {
      d.run("CREATE TABLE half (x)");
      throw new Error("boom");
    };
    expect(() => migrate(db, [MIGRATIONS[0], broken])).toThrow("boom");
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).not.toContain("half");
    db.close();
  });

  test("refuses a file newer than the list it is given", () => {
    const db = new Database(path);
    db.run("PRAGMA user_version = 7");
    expect(() => migrate(db)).toThrow("Cannot migrate chat history: schema version 7 is newer than 3");
    db.close();
  });
});

describe("version 2 (plain seq, no message_id index)", () => {
  test("a version 1 file with rows: every row kept with its seq, in order; before= and new rows still work", async () => {
    const v1 = new Database(path);
    migrate(v1, MIGRATIONS.slice(0, 1));
    expect(messagesTableSql(v1)).toContain("AUTOINCREMENT");
    const insert = v1.query(
      `INSERT INTO messages (session_id, role, content, message_id, timestamp, channel, model_name)
      VALUES (?, ?, ?, ?, ?, 'pico', ?)`,
    );
    for (let n = 0; n < 6; n++) {
      insert.run(n % 2 ? "b" : "a", n % 4 < 2 ? "user" : "assistant", `text ${n}`, `m${n}`, n, n === 3 ? "gpt" : null);
    }
    v1.run("DELETE FROM messages WHERE message_id = 'm0'"); // a gap in seq, as the limits leave
    v1.run(`INSERT INTO sessions (id, title, channel, messages, updated_at) VALUES ('a', 'text 0', 'pico', 2, 4),
      ('b', 'text 1', 'pico', 3, 5)`);
    const before = v1.query("SELECT * FROM messages ORDER BY seq").all();
    v1.close();

    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 2));
    expect(schemaVersion(db)).toBe(2);
    expect(db.query("SELECT * FROM messages ORDER BY seq").all()).toEqual(before);
    expect(messagesTableSql(db)).not.toContain("AUTOINCREMENT");
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'messages_by_message_id'").all()).toEqual([]);
    db.close();
    const store = SqliteHistoryStore.open(path); // on to the newest version
    expect((await store.messages("b"))?.map((m) => m.message_id)).toEqual(["m1", "m3", "m5"]);
    expect((await store.messages("b", { before: "m5" }))?.map((m) => m.message_id)).toEqual(["m1", "m3"]);
    expect((await store.messages("b", { before: "m3" }))?.[0].model_name).toBeUndefined();
    expect((await store.messages("b"))?.[1].model_name).toBe("gpt");
    store.append({ session_id: "a", role: "user", content: "new", message_id: "m6", channel: "pico" });
    expect((await store.messages("a"))?.map((m) => m.message_id)).toEqual(["m2", "m4", "m6"]);
    expect((await store.listSessions()).map((s) => [s.id, s.messages])).toEqual([["a", 3], ["b", 3]]);
    await store.close();
  });
});

describe("version 3 (numbered sessions, messages in session order, seq per session)", () => {
  /** A version 2 file: sessions a and b interleaved, a gap left by a limit, and a row without a session row. */
  function versionTwoFile(): unknown[] {
    const v2 = new Database(path);
    migrate(v2, MIGRATIONS.slice(0, 2));
    const insert = v2.query(
      `INSERT INTO messages (seq, session_id, role, content, message_id, timestamp, channel, model_name)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(3, "a", "user", "a one", "a1", 10, "pico", null);
    insert.run(4, "b", "user", "b one", "b1", 11, "dashboard", null);
    insert.run(7, "a", "assistant", "a two", "a2", 12, "pico", "gpt");
    insert.run(8, "stray", "user", "lost", "x1", 13, "api", null);
    insert.run(9, "b", "assistant", "b two", "b2", 14, "dashboard", null);
    insert.run(12, "a", "user", "a three", "a3", 15, "pico", null);
    v2.run(`INSERT INTO sessions (id, title, channel, messages, updated_at) VALUES ('a', 'a one', 'pico', 3, 15),
      ('b', 'b one', 'dashboard', 2, 14)`);
    const rows = v2.query("SELECT role, content, message_id, timestamp, channel, model_name FROM messages ORDER BY seq")
      .all();
    v2.close();
    return rows;
  }

  test("numbers each session's rows 1..n in their order, keeps every field, and sets last_seq and the counts", () => {
    const before = versionTwoFile();
    const db = new Database(path);
    expect(migrate(db)).toEqual({ from: 2, to: 3 });
    const seqs = db.query<{ id: string; seq: number; message_id: string }, []>(
      "SELECT s.id, m.seq, m.message_id FROM messages m JOIN sessions s ON s.key = m.session_key ORDER BY s.id, m.seq",
    ).all().map((r) => `${r.id}:${r.seq}:${r.message_id}`);
    expect(seqs).toEqual(["a:1:a1", "a:2:a2", "a:3:a3", "b:1:b1", "b:2:b2", "stray:1:x1"]);
    const after = db.query("SELECT role, content, message_id, timestamp, channel, model_name FROM messages").all();
    expect(new Set(after.map((r) => JSON.stringify(r)))).toEqual(new Set(before.map((r) => JSON.stringify(r))));
    const sessions = db.query(
      "SELECT key, id, title, channel, messages, updated_at, last_seq FROM sessions ORDER BY id",
    )
      .all();
    expect(sessions).toEqual([
      { key: 1, id: "a", title: "a one", channel: "pico", messages: 3, updated_at: 15, last_seq: 3 },
      { key: 2, id: "b", title: "b one", channel: "dashboard", messages: 2, updated_at: 14, last_seq: 2 },
      { key: 3, id: "stray", title: "", channel: "api", messages: 1, updated_at: 13, last_seq: 1 },
    ]);
    db.close();
  });

  test("after the migration new rows go on numbering, pages and before= work, and the limit keeps the newest", async () => {
    versionTwoFile();
    const store = SqliteHistoryStore.open(path, { maxMessages: 4 });
    store.append({ session_id: "a", role: "assistant", content: "a four", message_id: "a4", channel: "pico" });
    store.append({ session_id: "a", role: "user", content: "a five", message_id: "a5", channel: "pico" });
    expect((await store.messages("a"))?.map((m) => m.message_id)).toEqual(["a2", "a3", "a4", "a5"]);
    expect((await store.messages("a", { before: "a4" }))?.map((m) => m.message_id)).toEqual(["a2", "a3"]);
    expect((await store.messages("a"))?.[0].model_name).toBe("gpt");
    expect((await store.messages("stray"))?.map((m) => m.content)).toEqual(["lost"]);
    const summary = (await store.listSessions()).find((s) => s.id === "a");
    expect(summary?.messages).toBe(4);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.query("SELECT seq FROM messages WHERE session_key = 1 ORDER BY seq").all()).toEqual(
      [{ seq: 2 }, { seq: 3 }, { seq: 4 }, { seq: 5 }],
    );
    expect(db.query("SELECT last_seq FROM sessions WHERE id = 'a'").get()).toEqual({ last_seq: 5 });
    db.close();
  });

  test("awkward version 2 data: an emptied session, a stale count, ids differing in case, a long id, unicode", async () => {
    const long = "é".repeat(4000);
    const unicode = "😀 e\u0301 \u2028 nul\u0000 end";
    const v2 = new Database(path);
    migrate(v2, MIGRATIONS.slice(0, 2));
    const session = v2.query(
      "INSERT INTO sessions (id, title, channel, messages, updated_at) VALUES (?, ?, 'pico', ?, ?)",
    );
    session.run("emptied", "all trimmed", 0, 5);
    session.run("Case", "upper", 9, 20); // stale count: holds 2
    session.run("case", "lower", 1, 20);
    session.run(long, "long", 1, 30);
    const insert = v2.query(
      "INSERT INTO messages (session_id, role, content, message_id, timestamp, channel) VALUES (?, ?, ?, ?, ?, 'pico')",
    );
    insert.run("Case", "user", "U1", "x1", 19);
    insert.run("case", "user", "l1", "x1", 20);
    insert.run(long, "user", unicode, "y1", 30);
    insert.run("Case", "assistant", "U2", "x2", 20);
    v2.close();
    const store = SqliteHistoryStore.open(path, { maxMessages: 2 });
    expect((await store.listSessions()).map((s) => [s.id.slice(0, 4), s.title, s.messages, s.updated_at])).toEqual([
      ["éééé", "long", 1, 30],
      ["case", "lower", 1, 20],
      ["Case", "upper", 2, 20],
      ["empt", "all trimmed", 0, 5],
    ]);
    expect((await store.messages("Case"))?.map((m) => m.content)).toEqual(["U1", "U2"]);
    expect((await store.messages("case"))?.map((m) => m.content)).toEqual(["l1"]);
    expect((await store.messages(long))?.[0].content).toBe(unicode);
    expect(await store.messages("emptied")).toEqual([]);
    store.append({ session_id: "emptied", role: "user", content: "back", message_id: "e1", channel: "pico" });
    store.append({ session_id: "Case", role: "user", content: "U3", message_id: "x3", channel: "pico" });
    expect((await store.messages("emptied"))?.map((m) => m.content)).toEqual(["back"]);
    expect((await store.messages("Case"))?.map((m) => m.content)).toEqual(["U2", "U3"]);
    expect((await store.messages("case"))?.map((m) => m.content)).toEqual(["l1"]);
    await store.close();
  });

  test("the checks still refuse an unknown role or channel", () => {
    const db = new Database(path);
    migrate(db);
    const insert = (role: string, channel: string) =>
      db.run(
        `INSERT INTO messages (session_key, seq, role, content, message_id, timestamp, channel)
        VALUES (1, ${Math.random()}, ?, 'x', 'm', 1, ?)`,
        [role, channel],
      );
    for (const channel of ["pico", "dashboard", "api", "pico_client", "telegram", "discord"]) insert("user", channel);
    insert("assistant", "pico");
    expect(() => insert("system", "pico")).toThrow("CHECK constraint failed");
    expect(() => insert("user", "irc")).toThrow("CHECK constraint failed");
    db.close();
  });
});

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

describe("migrate()", () => {
  test("takes an empty database (user_version 0) to version 1", () => {
    const db = new Database(path);
    expect(migrate(db)).toEqual({ from: 0, to: 1 });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(["messages", "sessions", "sqlite_sequence"]);
    const indexes = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
      .all().map((i) => i.name);
    expect(indexes).toContain("messages_by_session");
    expect(indexes).toContain("sessions_by_activity");
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
    expect(schemaVersion(db)).toBe(1);
    expect(db.query<{ text: string }, []>("SELECT text FROM notes").get()?.text).toBe("keep me");
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages").get()?.n).toBe(1);
    db.close();
  });

  test("runs only the missing steps: a version 2 entry upgrades a version 1 file and keeps its rows", async () => {
    const store = SqliteHistoryStore.open(path);
    store.append({ session_id: "s", role: "user", content: "hi", message_id: "m1", channel: "pico" });
    await store.close();
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
    expect(() => migrate(db)).toThrow("Cannot migrate chat history: schema version 7 is newer than 1");
    db.close();
  });
});

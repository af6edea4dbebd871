import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "../log/mod.ts";
import { openHistory } from "./open.ts";
import type { HistoryStore } from "./store.ts";

let dir: string;
let path: string;
let lines: string[];
let log: Logger;
let store: HistoryStore | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "picoclaw-open-"));
  path = join(dir, "picoclaw.db");
  lines = [];
  log = createLogger({ stderr: (line) => lines.push(line) });
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** The store still works: what the agent needs is kept. */
async function expectUsable(s: HistoryStore): Promise<void> {
  s.append({ session_id: "s", role: "user", content: "hi", message_id: "m1", channel: "pico" });
  s.append({ session_id: "s", role: "assistant", content: "hello", message_id: "m2", channel: "pico" });
  expect((await s.lastTurns("s")).map((m) => m.content)).toEqual(["hi", "hello"]);
}

describe("openHistory()", () => {
  test("opens the SQLite store at the path", async () => {
    store = openHistory({ path, log });
    expect(store.kind).toBe("sqlite");
    await expectUsable(store);
    expect(existsSync(path)).toBe(true);
    expect(lines).toEqual([]);
  });

  test("with enabled: false keeps history in memory and creates no file", async () => {
    store = openHistory({ path, enabled: false, log });
    expect(store.kind).toBe("memory");
    await expectUsable(store);
    expect(existsSync(path)).toBe(false);
  });

  test("a corrupt file is logged once, left byte for byte, and the memory store is used", async () => {
    const garbage = crypto.getRandomValues(new Uint8Array(8192));
    writeFileSync(path, garbage, { mode: 0o600 });
    store = openHistory({ path, log });
    expect(store.kind).toBe("memory");
    await expectUsable(store);
    await store.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Cannot open chat history ${path}`);
    expect(lines[0]).toContain("running without chat history");
    expect(new Uint8Array(readFileSync(path))).toEqual(garbage);
  });

  test("a file with a newer schema version is not touched: logged once, memory store", async () => {
    const db = new Database(path);
    db.run("CREATE TABLE future (x)");
    db.run("PRAGMA user_version = 9");
    db.close();
    const before = readFileSync(path);
    store = openHistory({ path, log });
    expect(store.kind).toBe("memory");
    await expectUsable(store);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("schema version 9 is newer than 3");
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

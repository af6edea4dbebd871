import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "../../mod/log/mod.ts";
import { type HistoryStore, openHistory } from "../../mod/history/mod.ts";
import { canMountTmpfs, fillUp, mountTinyFs, unmount } from "../helpers/tmpfs.ts";

const isRoot = process.getuid?.() === 0;

const canMount = canMountTmpfs();
const WHY_NOT_MOUNT = "a full disk needs a tmpfs, and mounting one needs root";
if (!canMount) {
  if (process.env.CI) throw new Error(`Cannot run the history disk tests under CI: ${WHY_NOT_MOUNT}`);
  console.warn(`Skipping the history disk-full tests: ${WHY_NOT_MOUNT}`);
}

let dir: string | undefined;
let lines: string[];
let log: Logger;
let store: HistoryStore | undefined;
beforeEach(() => {
  lines = [];
  log = createLogger({ stderr: (line) => lines.push(line) });
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir && canMount) unmount(dir);
  else if (dir) {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
  dir = undefined;
});

/** A home the program cannot write: a read-only tmpfs as root (root ignores modes), else a 0500 directory. */
function readOnlyHome(prepare: (dir: string) => void = () => {}): string {
  if (isRoot) {
    if (!canMount) throw new Error(`Cannot make a read-only home as root: ${WHY_NOT_MOUNT}`);
    dir = mountTinyFs("1m")!;
    prepare(dir);
    expect(spawnSync("mount", ["-o", "remount,ro", dir]).status).toBe(0);
  } else {
    dir = mkdtempSync(join(tmpdir(), "picoclaw-history-ro-"));
    prepare(dir);
    chmodSync(dir, 0o500);
  }
  return dir;
}

function message(n: number, content = `message ${n}`) {
  return { session_id: "s", role: "user" as const, content, message_id: `m${n}`, channel: "pico" as const };
}

describe("history on a read-only home", () => {
  test.skipIf(isRoot && !canMount)("runs in memory, logs once, and creates no file", async () => {
    const home = readOnlyHome();
    store = openHistory({ path: join(home, "picoclaw.db"), log });
    expect(store.kind).toBe("memory");
    store.append(message(0));
    expect(await store.messages("s")).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("running without chat history");
    expect(existsSync(join(home, "picoclaw.db"))).toBe(false);
  });

  test.skipIf(isRoot && !canMount)("leaves an existing database byte for byte", () => {
    let before = Buffer.alloc(0);
    const home = readOnlyHome((d) => {
      const db = new Database(join(d, "picoclaw.db"));
      db.run("CREATE TABLE keep (x)");
      db.close();
      before = readFileSync(join(d, "picoclaw.db"));
    });
    store = openHistory({ path: join(home, "picoclaw.db"), log });
    expect(store.kind).toBe("memory");
    expect(lines).toHaveLength(1);
    expect(readFileSync(join(home, "picoclaw.db")).equals(before)).toBe(true);
  });
});

describe.skipIf(!canMount)("history on a full disk", () => {
  test("a database that cannot be created on a full disk: memory store, logged once", () => {
    dir = mountTinyFs("1m")!;
    fillUp(dir);
    store = openHistory({ path: join(dir, "picoclaw.db"), log });
    expect(store.kind).toBe("memory");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("running without chat history");
  });

  test("the disk filling up mid-run: one log line, nothing thrown, the batch lands once space is back", async () => {
    dir = mountTinyFs("1m")!;
    store = openHistory({ path: join(dir, "picoclaw.db"), log });
    expect(store.kind).toBe("sqlite");
    store.append(message(0));
    await store.flush();
    fillUp(dir);
    const big = "x".repeat(16 * 1024);
    for (let n = 1; n <= 10; n++) {
      store.append(message(n, big));
      await store.flush();
    }
    expect(lines.filter((l) => l.includes("ERROR"))).toHaveLength(1);
    expect(lines[0]).toContain("Cannot write chat history");
    rmSync(join(dir, "filler"));
    await store.flush();
    expect(lines.at(-1)).toContain("Chat history writes work again");
    await store.close();
    store = undefined;
    const db = new Database(join(dir, "picoclaw.db"), { readonly: true });
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages").get()?.n).toBe(11);
    db.close();
  });
});

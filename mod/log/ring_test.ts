import { describe, expect, test } from "bun:test";
import { createLogger } from "./logger.ts";
import { LogRing, MAX_RING_FIELD_CHARS, MAX_RING_FIELDS, MAX_RING_MESSAGE_CHARS } from "./ring.ts";
import { Secret } from "../config/mod.ts";

function quietLogger(ring: LogRing, level: "debug" | "info" = "debug") {
  return createLogger({ ring, stderr: false, level, now: () => 1_700_000_000_000 });
}

describe("LogRing", () => {
  test("numbers entries from 1 and keeps ts, level, msg and fields", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    log.info("first", { a: 1 });
    log.warn("second");
    expect(ring.query()).toEqual({
      entries: [
        { seq: 1, ts: 1_700_000_000_000, level: "info", msg: "first", fields: { a: "1" } },
        { seq: 2, ts: 1_700_000_000_000, level: "warn", msg: "second", fields: {} },
      ],
      next: 2,
    });
  });

  test("keeps only the last `capacity` entries, seq going on", () => {
    const ring = new LogRing({ capacity: 1000 });
    const log = quietLogger(ring);
    for (let i = 1; i <= 1005; i++) log.info(`line ${i}`);
    const { entries, next } = ring.query();
    expect(entries.length).toBe(1000);
    expect(entries[0]).toMatchObject({ seq: 6, msg: "line 6" });
    expect(entries.at(-1)).toMatchObject({ seq: 1005, msg: "line 1005" });
    expect(next).toBe(1005);
  });

  test("filters by minimum level", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(ring.query({ level: "warn" }).entries.map((e) => e.msg)).toEqual(["w", "e"]);
    expect(ring.query({ level: "debug" }).entries.map((e) => e.msg)).toEqual(["d", "i", "w", "e"]);
    expect(ring.query({ level: "error" }).next).toBe(4);
  });

  test("answers only entries after `after`, and restarts from 0 when `after` is beyond the newest", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    for (const msg of ["a", "b", "c"]) log.info(msg);
    expect(ring.query({ after: 2 }).entries.map((e) => e.msg)).toEqual(["c"]);
    expect(ring.query({ after: 3 })).toEqual({ entries: [], next: 3 });
    // A client that still has the seq of a previous process gets the whole ring again.
    expect(ring.query({ after: 99 }).entries.map((e) => e.msg)).toEqual(["a", "b", "c"]);
  });

  test("keeps no entry below the logger's level", () => {
    const ring = new LogRing();
    const log = quietLogger(ring, "info");
    log.debug("hidden");
    log.info("shown");
    expect(ring.query().entries.map((e) => e.msg)).toEqual(["shown"]);
  });

  test("bounds each entry: message cut, values cut at 200 characters, at most MAX_RING_FIELDS fields", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    const fields: Record<string, string> = {};
    for (let i = 0; i < MAX_RING_FIELDS + 5; i++) fields[`k${i}`] = "v".repeat(10);
    fields.long = "v".repeat(10_000);
    log.info("m".repeat(50_000), fields);
    const [entry] = ring.query().entries;
    expect(entry.msg).toBe(`${"m".repeat(MAX_RING_MESSAGE_CHARS)}…(50000 chars)`);
    expect(Object.keys(entry.fields).length).toBe(MAX_RING_FIELDS + 1);
    expect(entry.fields.k0).toBe("v".repeat(10));
    expect(entry.fields.fields_dropped).toBe("6");
    const one = quietLogger(ring);
    one.info("x", { long: "v".repeat(10_000) });
    expect(ring.query().entries[1].fields.long).toBe(`${"v".repeat(200)}…(10000 chars)`);
  });

  test("bounds an entry of escaped control characters too (escaping makes text 6 times longer)", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    const fields: Record<string, string> = {};
    for (let i = 0; i < 100; i++) fields[`k${i}`] = "\u0001".repeat(10_000);
    log.warn("\u0001".repeat(10_000), fields);
    const [entry] = ring.query().entries;
    expect(entry.msg.length).toBeLessThanOrEqual(MAX_RING_MESSAGE_CHARS + 20);
    const fieldChars = Object.entries(entry.fields).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(fieldChars).toBeLessThanOrEqual(MAX_RING_FIELD_CHARS + 20);
    expect(Number(entry.fields.fields_dropped)).toBeGreaterThan(90);
  });

  test("keeps copies of cut text, not the long originals (1000 entries of 100 KB messages stay small)", () => {
    const ring = new LogRing();
    const log = quietLogger(ring);
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    // Fresh long strings each time: a cut that shared their memory would keep 1000 x 200 KB alive.
    for (let i = 0; i < 1000; i++) log.info(`${i}`.padEnd(100_000, "m"), { v: `${i}`.padEnd(100_000, "v") });
    Bun.gc(true);
    const grown = process.memoryUsage().heapUsed - before;
    expect(ring.query().entries.length).toBe(1000);
    expect(grown).toBeLessThan(30 * 1024 * 1024);
  });

  test("stores the escaped, masked values the log file gets", () => {
    const ring = new LogRing();
    const lines: string[] = [];
    const log = createLogger({ ring, stderr: (l) => lines.push(l) });
    const secret = "s3cret-value-0123456789";
    log.warn("forged\nline", { origin: "a\r\nFAKE ERROR", token: new Secret(secret) });
    const [entry] = ring.query().entries;
    expect(entry.msg).toBe("forged\\nline");
    expect(entry.fields.origin).toBe("a\\r\\nFAKE ERROR");
    expect(entry.fields.token).toBe(new Secret(secret).toString());
    expect(JSON.stringify(entry)).not.toContain(secret);
    expect(lines.join("")).not.toContain(secret);
  });

  test("returns copies: a caller cannot change what the ring keeps", () => {
    const ring = new LogRing();
    quietLogger(ring).info("x", { a: "1" });
    ring.query().entries[0].fields.a = "changed";
    expect(ring.query().entries[0].fields.a).toBe("1");
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { Secret } from "../config/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { createLogger, escapeControl, formatLine, MAX_VALUE_CHARS } from "./logger.ts";

let home: TempHome | undefined;
afterEach(() => home?.remove());

describe("formatLine()", () => {
  test("formatLine() prints time, level, message and key=value fields", () => {
    const line = formatLine("warn", "login failed", { ip: "127.0.0.1", route: "/login" }, new Date(0));
    expect(line).toBe("1970-01-01T00:00:00.000Z WARN  login failed ip=127.0.0.1 route=/login\n");
  });

  test("formatLine() quotes values with spaces and masks secrets", () => {
    const line = formatLine("info", "x", { why: "two words", token: new Secret("abcdefghijklmnop") }, new Date(0));
    expect(line).toContain('why="two words"');
    expect(line).toContain("token=abcd…mnop");
    expect(line).not.toContain("abcdefghijklmnop");
  });
});

describe("formatLine() on hostile values", () => {
  test("formatLine() escapes C0, DEL and C1 control characters in values and the message", () => {
    const hostile = "a\nFAKE INFO line\r\x1b[31m\x00\x7f\x85\x9b\u2028z";
    const line = formatLine("warn", `refused ${hostile}`, { origin: hostile, bare: "x\x01y" }, new Date(0));
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line.endsWith("\n")).toBe(true);
    expect(line).toContain('origin="a\\nFAKE INFO line\\r\\u001b[31m\\u0000\\u007f\\u0085\\u009b\\u2028z"');
    expect(line).toContain('bare="x\\u0001y"');
    expect(line).toContain("refused a\\nFAKE");
  });

  test("formatLine() quotes a value with a backslash or quote so an escape cannot be forged", () => {
    const line = formatLine("info", "x", { v: 'a\\u001b"b' }, new Date(0));
    expect(line).toContain('v="a\\\\u001b\\"b"');
  });

  test("escapeControl() leaves printable text, including non-ASCII, unchanged", () => {
    expect(escapeControl("héllo wörld → ✓ 😀")).toBe("héllo wörld → ✓ 😀");
  });

  test("formatLine() cuts a value at 200 characters and marks the original length", () => {
    const line = formatLine("warn", "refused", { origin: "o".repeat(15360), ip: "127.0.0.1" }, new Date(0));
    expect(line).toContain(` origin="${"o".repeat(MAX_VALUE_CHARS)}…(15360 chars)" ip=127.0.0.1\n`);
    expect(MAX_VALUE_CHARS).toBe(200);
    const exact = formatLine("warn", "x", { v: "o".repeat(200) }, new Date(0));
    expect(exact).toContain(`v=${"o".repeat(200)}\n`);
  });

  test("formatLine() never cuts inside a surrogate pair", () => {
    const line = formatLine("info", "x", { v: `${"a".repeat(199)}😀😀` }, new Date(0));
    expect(line).toContain(`v="${"a".repeat(199)}…(203 chars)"`);
  });
});

describe("Logger.refusal()", () => {
  function clocked() {
    const lines: string[] = [];
    const clock = { ms: 1_000_000 };
    const log = createLogger({ stderr: (l) => lines.push(l), now: () => clock.ms });
    return { lines, clock, log };
  }

  test("Logger.refusal() logs one line a second per kind and counts those left out", () => {
    const { lines, clock, log } = clocked();
    for (let i = 0; i < 500; i++) log.refusal("origin", "warn", "refused: origin", { n: i });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("WARN  refused: origin n=0\n");
    clock.ms += 999;
    log.refusal("origin", "warn", "refused: origin", { n: 500 });
    expect(lines).toHaveLength(1);
    clock.ms += 1;
    log.refusal("origin", "warn", "refused: origin", { n: 501 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("refused: origin n=501 suppressed=500\n");
    clock.ms += 5000;
    log.refusal("origin", "warn", "refused: origin", { n: 502 });
    expect(lines[2]).toContain("refused: origin n=502\n");
  });

  test("Logger.refusal() limits each kind on its own and leaves other lines alone", () => {
    const { lines, log } = clocked();
    log.refusal("origin", "warn", "origin refused");
    log.refusal("auth", "warn", "auth refused");
    log.refusal("origin", "warn", "origin refused");
    log.info("not a refusal");
    log.info("not a refusal");
    expect(lines.map((l) => l.slice(25).trim())).toEqual([
      "WARN  origin refused",
      "WARN  auth refused",
      "INFO  not a refusal",
      "INFO  not a refusal",
    ]);
  });

  test("Logger.refusal() reports the count still left out when the logger closes", () => {
    const { lines, log } = clocked();
    for (let i = 0; i < 3; i++) log.refusal("origin", "warn", "origin refused");
    log.close();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("refusals left out of the log kind=origin suppressed=2\n");
  });

  test("Logger.refusal() under the logger's level is neither written nor counted", () => {
    const lines: string[] = [];
    const log = createLogger({ stderr: (l) => lines.push(l), level: "warn", now: () => 0 });
    log.refusal("auth", "info", "quiet");
    log.refusal("auth", "warn", "loud");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("loud\n");
  });
});

describe("createLogger()", () => {
  test("createLogger() writes to the capture function and drops lines under the level", () => {
    const lines: string[] = [];
    const log = createLogger({ stderr: (l) => lines.push(l), level: "info" });
    log.debug("hidden");
    log.info("shown", { n: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("INFO  shown n=1");
  });

  test("createLogger() creates the log file 0600 in a 0700 directory", () => {
    home = makeTempHome();
    const file = home.file("logs/launcher.log");
    const log = createLogger({ stderr: false, file });
    log.info("hello");
    log.close();
    expect(readFileSync(file, "utf8")).toContain("hello");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home.file("logs")).mode & 0o777).toBe(0o700);
  });

  test("createLogger() rotates the file by size and keeps the given number of old files", () => {
    home = makeTempHome();
    const file = home.file("logs/launcher.log");
    const log = createLogger({ stderr: false, file, maxFileBytes: 200, keepFiles: 2 });
    for (let i = 0; i < 30; i++) log.info(`line ${i}`);
    log.close();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(statSync(file).size).toBeLessThanOrEqual(200);
    expect(readFileSync(file, "utf8")).toContain("line 29");
  });
});

describe("createLogger() on a bad log path", () => {
  test("createLogger() falls back to stderr when the log file cannot be opened", () => {
    home = makeTempHome({ "not-a-dir": "x" });
    const lines: string[] = [];
    const log = createLogger({ stderr: (l) => lines.push(l), file: home.file("not-a-dir/launcher.log") });
    log.info("still logged");
    log.close();
    expect(lines[0]).toContain("cannot write the log file; logging to stderr only");
    expect(lines[1]).toContain("still logged");
  });
});

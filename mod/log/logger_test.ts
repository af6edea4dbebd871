import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { Secret } from "../config/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { createLogger, formatLine } from "./logger.ts";

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

import { describe, expect, test } from "bun:test";
import { UsageError } from "../errors/mod.ts";
import { parseCommandLine } from "./args.ts";

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`Expected ${argv.join(" ")} to be a usage error`);
}

describe("parseCommandLine()", () => {
  test("parseCommandLine() runs launcher mode with no command", () => {
    expect(parseCommandLine([]).command).toEqual({ name: "launcher", console: false });
  });

  test("parseCommandLine() accepts --console and -console", () => {
    expect(parseCommandLine(["--console"]).command).toEqual({ name: "launcher", console: true });
    expect(parseCommandLine(["-console"]).command).toEqual({ name: "launcher", console: true });
  });

  test("parseCommandLine() knows every command", () => {
    expect(parseCommandLine(["gateway"]).command).toEqual({ name: "gateway" });
    expect(parseCommandLine(["token", "generate"]).command).toEqual({ name: "token-generate", bytes: 32 });
    expect(parseCommandLine(["token", "generate", "--bytes", "48"]).command).toEqual({
      name: "token-generate",
      bytes: 48,
    });
    expect(parseCommandLine(["token", "reset-launcher"]).command).toEqual({ name: "token-reset-launcher" });
    expect(parseCommandLine(["token", "reset-launcher", "--home", "/x"]).flags).toEqual({ home: "/x" });
    expect(parseCommandLine(["config", "show"]).command).toEqual({ name: "config-show", changed: false });
    expect(parseCommandLine(["config", "show", "--changed"]).command).toEqual({ name: "config-show", changed: true });
    expect(() => parseCommandLine(["config", "check", "--changed"])).toThrow("--changed applies only to config show");
    expect(() => parseCommandLine(["gateway", "--changed"])).toThrow("--changed applies only to config show");
    expect(parseCommandLine(["config", "check"]).command).toEqual({ name: "config-check" });
    expect(parseCommandLine(["version"]).command).toEqual({ name: "version" });
    expect(parseCommandLine(["--version"]).command).toEqual({ name: "version" });
  });

  test("parseCommandLine() gives help for the main usage and for each command", () => {
    expect(parseCommandLine(["--help"]).command).toEqual({ name: "help", topic: "main" });
    expect(parseCommandLine(["-h"]).command).toEqual({ name: "help", topic: "main" });
    expect(parseCommandLine(["gateway", "--help"]).command).toEqual({ name: "help", topic: "gateway" });
    expect(parseCommandLine(["token", "generate", "--help"]).command).toEqual({ name: "help", topic: "token" });
    expect(parseCommandLine(["config", "--help"]).command).toEqual({ name: "help", topic: "config" });
  });

  test("parseCommandLine() collects the common flags", () => {
    const { flags } = parseCommandLine(["gateway", "--home", "/h", "--config", "/c.json", "--port", "0", "--public"]);
    expect(flags).toEqual({ home: "/h", config: "/c.json", port: 0, public: true });
    expect(parseCommandLine(["--home=/x"]).flags.home).toBe("/x");
  });

  test("parseCommandLine() names an unknown command", () => {
    expect(usageError(["frobnicate"]).message).toBe('Unknown command "frobnicate"');
    expect(usageError(["token", "revoke"]).message).toBe('Unknown command "token revoke"');
    expect(usageError(["config", "edit"]).message).toBe('Unknown command "config edit"');
    expect(usageError(["config"]).message).toContain("Missing subcommand");
  });

  test("parseCommandLine() names an unknown flag", () => {
    expect(usageError(["--frob"]).message).toBe("Unknown option '--frob'");
    expect(usageError(["gateway", "-x"]).message).toBe("Unknown option '-x'");
  });

  test("parseCommandLine() rejects bad flag values", () => {
    expect(usageError(["--port", "abc"]).message).toBe('--port: expected a whole number from 0 to 65535, got "abc"');
    expect(usageError(["--port", "70000"]).message).toContain("--port");
    expect(usageError(["token", "generate", "--bytes", "0"]).message).toContain("--bytes");
    expect(usageError(["token", "generate", "--bytes", "4x"]).message).toContain("--bytes");
  });

  test("parseCommandLine() rejects flags on commands they do not apply to", () => {
    expect(usageError(["gateway", "--console"]).message).toContain("--console");
    expect(usageError(["gateway", "--bytes", "8"]).message).toContain("--bytes");
    expect(usageError(["gateway", "extra"]).message).toBe('Unknown argument "extra"');
  });

  test("parseCommandLine() attaches usage text to every usage error", () => {
    expect(usageError(["nope"]).usage).toStartWith("Usage: picoclaw");
  });
});

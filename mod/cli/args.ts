import { parseArgs } from "node:util";
import { UsageError } from "../errors/mod.ts";
import type { ConfigFlags } from "../config/mod.ts";
import { USAGE } from "./usage.ts";

/** What the command line asks for. */
export type Command =
  | { name: "launcher"; console: boolean }
  | { name: "gateway" }
  | { name: "token-generate"; bytes: number }
  | { name: "token-reset-launcher" }
  | { name: "config-show"; changed: boolean }
  | { name: "config-check" }
  | { name: "version" }
  | { name: "install-service"; user?: string; print: boolean; unitFile?: string }
  | { name: "help"; topic: string };

/** A parsed command line: the command and the flags that feed the config. */
export interface Invocation {
  command: Command;
  flags: ConfigFlags;
}

const OPTIONS = {
  console: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  home: { type: "string" },
  config: { type: "string" },
  port: { type: "string" },
  public: { type: "boolean" },
  bytes: { type: "string" },
  user: { type: "string" },
  print: { type: "boolean" },
  "unit-file": { type: "string" },
  changed: { type: "boolean" },
} as const;

/** Flags that only `install-service` takes. */
const SERVICE_FLAGS = ["user", "print", "unit-file"] as const;

function parseWholeNumber(flag: string, value: string, min: number, max: number, usage: string): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, usage);
  }
  return Number(value);
}

/** Picks the command from the positionals, e.g. `["config", "show"]`. */
function pickCommand(positionals: string[], console: boolean, bytes: number): Command {
  const [first, second, ...rest] = positionals;
  const extra = (words: string[], topic: string) => {
    if (words.length > 0) {
      throw new UsageError(`Unknown argument ${JSON.stringify(words[0])}`, USAGE[topic]);
    }
  };
  switch (first) {
    case undefined:
      return { name: "launcher", console };
    case "gateway":
      extra(positionals.slice(1), "gateway");
      return { name: "gateway" };
    case "token":
      if (second !== "generate" && second !== "reset-launcher") {
        throw new UsageError(
          second === undefined
            ? "Missing subcommand: token generate or token reset-launcher"
            : `Unknown command "token ${second}"`,
          USAGE.token,
        );
      }
      extra(rest, "token");
      return second === "generate" ? { name: "token-generate", bytes } : { name: "token-reset-launcher" };
    case "config":
      if (second !== "show" && second !== "check") {
        throw new UsageError(
          second === undefined
            ? "Missing subcommand: config show or config check"
            : `Unknown command "config ${second}"`,
          USAGE.config,
        );
      }
      extra(rest, "config");
      return second === "show" ? { name: "config-show", changed: false } : { name: "config-check" };
    case "version":
      extra(positionals.slice(1), "version");
      return { name: "version" };
    case "install-service":
      extra(positionals.slice(1), "install-service");
      return { name: "install-service", print: false };
    case "help":
      return { name: "help", topic: second && USAGE[second] ? second : "main" };
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(first)}`, USAGE.main);
  }
}

/**
 * Parses the command line with `node:util` `parseArgs` (strict: unknown flags are errors).
 * `-console` is accepted as `--console`, as the Go PicoClaw spells it.
 *
 * @throws {UsageError} Naming the unknown command or flag, or the bad flag value.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const args = argv.map((a) => (a === "-console" ? "--console" : a));
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs says e.g. "Unknown option '--frob'. To specify a positional argument starting..."
    const message = (err as Error).message.split(". ")[0];
    throw new UsageError(message, USAGE.main);
  }
  const { values, positionals } = parsed;
  const topic = positionals[0] && positionals[0] in USAGE ? positionals[0] : "main";
  if (values.help) return { command: { name: "help", topic }, flags: {} };

  const flags: ConfigFlags = {};
  if (values.home !== undefined) flags.home = values.home;
  if (values.config !== undefined) flags.config = values.config;
  if (values.port !== undefined) flags.port = parseWholeNumber("--port", values.port, 0, 65535, USAGE.main);
  if (values.public) flags.public = true;
  const bytes = values.bytes === undefined ? 32 : parseWholeNumber("--bytes", values.bytes, 1, 1024, USAGE.token);

  if (values.version) {
    if (positionals.length > 0) throw new UsageError("--version takes no command", USAGE.main);
    return { command: { name: "version" }, flags };
  }
  let command = pickCommand(positionals, values.console ?? false, bytes);
  if (values.changed) {
    if (command.name !== "config-show") throw new UsageError("--changed applies only to config show", USAGE.config);
    command = { name: "config-show", changed: true };
  }
  if (values.console && command.name !== "launcher") {
    throw new UsageError("--console applies only to launcher mode (no command)", USAGE.main);
  }
  if (values.bytes !== undefined && command.name !== "token-generate") {
    throw new UsageError("--bytes applies only to token generate", USAGE.main);
  }
  if (command.name === "install-service") {
    return {
      command: {
        name: "install-service",
        user: values.user,
        print: values.print ?? false,
        unitFile: values["unit-file"],
      },
      flags,
    };
  }
  const serviceFlag = SERVICE_FLAGS.find((f) => values[f] !== undefined);
  if (serviceFlag) throw new UsageError(`--${serviceFlag} applies only to install-service`, USAGE.main);
  return { command, flags };
}

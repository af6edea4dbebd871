/**
 * @module
 * The command line: parsing (`node:util` parseArgs), usage texts, and the small
 * commands that print and exit (`token generate`, `token reset-launcher`, `config show`, `config check`).
 */

export { type Command, type Invocation, parseCommandLine } from "./args.ts";
export { configCheckText, configShowText, resetLauncherToken } from "./commands.ts";
export { USAGE } from "./usage.ts";

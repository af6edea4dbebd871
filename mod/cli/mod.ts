/**
 * @module
 * The command line: parsing (`node:util` parseArgs), usage texts, and the small
 * commands that print and exit (`token generate`, `config show`, `config check`).
 */

export { type Command, type Invocation, parseCommandLine } from "./args.ts";
export { configCheckText, configShowText } from "./commands.ts";
export { USAGE } from "./usage.ts";

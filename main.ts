/**
 * @module
 * `picoclaw`: the CLI entry. Parses argv, loads the config once, hands it to the
 * command, and maps errors to exit codes: 0 ok, 1 runtime failure, 2 usage or config error.
 */

import { runServerProcess } from "./mod/app/mod.ts";
import { configCheckText, configShowText, parseCommandLine, resetLauncherToken, USAGE } from "./mod/cli/mod.ts";
import { generateToken, loadConfig } from "./mod/config/mod.ts";
import { ConfigError, PicoclawError, UsageError } from "./mod/errors/mod.ts";
import { DEFAULT_UNIT_FILE, installService } from "./mod/service/mod.ts";
import { COMMIT, versionText } from "./mod/version/mod.ts";

function print(text: string): void {
  process.stdout.write(text);
}

function printError(text: string): void {
  process.stderr.write(text);
}

/** Prints an error the way a user should see it and returns the exit code. */
function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    printError(`picoclaw: ${err.message}\n\n${err.usage}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    for (const warning of err.warnings) printError(`picoclaw: warning: ${warning}\n`);
    const count = err.problems.length === 1 ? "1 problem" : `${err.problems.length} problems`;
    printError(`picoclaw: config error (${count}):\n${err.message.replace(/^/gm, "  ")}\n`);
    return 2;
  }
  if (err instanceof PicoclawError) {
    printError(`picoclaw: ${err.message}\n`);
    return 1;
  }
  printError(`picoclaw: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

/** Runs one command line and returns the exit code. */
async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  try {
    const { command, flags } = parseCommandLine(argv);
    switch (command.name) {
      case "help":
        print(USAGE[command.topic]);
        return 0;
      case "version":
        print(versionText());
        return 0;
      case "token-generate":
        print(`${generateToken(command.bytes)}\n`);
        if (command.bytes < 16) printError("picoclaw: warning: tokens under 16 bytes are easy to guess\n");
        return 0;
      case "install-service":
        print(
          await installService({
            binary: process.execPath,
            compiled: COMMIT !== "dev",
            user: command.user,
            home: flags.home,
            public: flags.public ?? false,
            print: command.print,
            unitFile: command.unitFile ?? DEFAULT_UNIT_FILE,
            sudoUser: env.SUDO_USER,
            usage: USAGE["install-service"],
            warn: (message) => printError(`picoclaw: warning: ${message}\n`),
          }),
        );
        return 0;
    }
    const loaded = await loadConfig({ env, flags });
    switch (command.name) {
      case "config-show":
        for (const warning of loaded.warnings) printError(`picoclaw: warning: ${warning}\n`);
        print(configShowText(loaded, { changed: command.changed }));
        return 0;
      case "config-check":
        for (const warning of loaded.warnings) printError(`picoclaw: warning: ${warning}\n`);
        print(configCheckText(loaded));
        return 0;
      case "token-reset-launcher": {
        const { token, warnings } = await resetLauncherToken(loaded);
        for (const warning of warnings) printError(`picoclaw: warning: ${warning}\n`);
        print(`${token}\n`);
        return 0;
      }
      case "gateway":
        return await runServerProcess(loaded, { launcher: false, console: false }, { stdout: print });
      case "launcher":
        return await runServerProcess(loaded, { launcher: true, console: command.console }, { stdout: print });
    }
  } catch (err) {
    return reportError(err);
  }
}

main(process.argv.slice(2), process.env).then((code) => process.exit(code));

import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** Where every file lives, resolved once from `--home`/`PICOCLAW_HOME` and `--config`/`PICOCLAW_CONFIG`. */
export interface ConfigPaths {
  home: string;
  configFile: string;
  /** Beside `configFile`, so `PICOCLAW_CONFIG` moves both. */
  securityFile: string;
  launcherFile: string;
  logFile: string;
  /** The chat history database (SPEC §6). */
  historyFile: string;
}

/** Resolves the file paths; flags win over env, env over `~/.picoclaw`. */
export function resolvePaths(
  env: Record<string, string | undefined>,
  flags: { home?: string; config?: string } = {},
): ConfigPaths {
  const home = resolve(flags.home || env.PICOCLAW_HOME || join(env.HOME || homedir(), ".picoclaw"));
  const configFile = resolve(flags.config || env.PICOCLAW_CONFIG || join(home, "config.json"));
  return {
    home,
    configFile,
    securityFile: join(dirname(configFile), ".security.yml"),
    launcherFile: join(home, "launcher-config.json"),
    logFile: join(home, "logs", "launcher.log"),
    historyFile: join(home, "picoclaw.db"),
  };
}

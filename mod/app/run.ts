import { createAgent } from "../agent/mod.ts";
import { checkConfig, type LoadedConfig } from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";
import { startGateway } from "../gateway/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";
import { createMetrics } from "../metrics/mod.ts";
import { waitForStopSignal, withDeadline } from "./signals.ts";

/** Where a process's human-facing output goes (stdout for console mode). */
export interface ProcessIO {
  stdout: (text: string) => void;
}

/** How the process runs: `gateway` alone, or launcher mode (gateway + dashboard). */
export interface ProcessMode {
  launcher: boolean;
  /** Console mode: print the dashboard URL and login link to stdout. */
  console: boolean;
}

/** Throws the readiness problems of the config as one `ConfigError`. */
function ensureReady(loaded: LoadedConfig): void {
  const problems = checkConfig(loaded);
  if (problems.length > 0) throw new ConfigError(problems, { warnings: loaded.warnings });
}

/**
 * Runs the long-lived process until SIGINT/SIGTERM: the gateway, and in launcher mode the
 * dashboard too. Returns the exit code (0 after a clean stop).
 *
 * @throws {ConfigError} When the config cannot run (exit 2).
 * @throws {PicoclawError} `port_in_use` and other start failures (exit 1).
 */
export async function runServerProcess(loaded: LoadedConfig, mode: ProcessMode, io: ProcessIO): Promise<number> {
  ensureReady(loaded);
  const log: Logger = createLogger(mode.launcher ? { file: loaded.paths.logFile } : {});
  try {
    for (const warning of loaded.warnings) log.warn(warning);
    const metrics = createMetrics();
    const agent = createAgent(loaded.config.agent);
    const gateway = startGateway({
      gateway: loaded.config.gateway,
      pico: loaded.config.channels.pico,
      agent,
      log,
      metrics,
    });
    if (mode.console) io.stdout(`Gateway: http://${gateway.hostname}:${gateway.port}/\n`);
    const signal = await waitForStopSignal();
    log.info("stopping", { signal });
    await withDeadline(gateway.stop(), 4000);
    log.info("stopped");
    return 0;
  } finally {
    log.close();
  }
}

import { checkConfig, type LoadedConfig } from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";
import { startGateway } from "../gateway/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";
import { waitForStopSignal, withDeadline } from "./signals.ts";

/** Where a process's human-facing output goes (stdout for console mode). */
export interface ProcessIO {
  stdout: (text: string) => void;
}

/** Throws the readiness problems of the config as one `ConfigError`. */
function ensureReady(loaded: LoadedConfig): void {
  const problems = checkConfig(loaded);
  if (problems.length > 0) throw new ConfigError(problems);
}

function logWarnings(log: Logger, loaded: LoadedConfig): void {
  for (const warning of loaded.warnings) log.warn(warning);
}

/** `picoclaw gateway`: the gateway alone, logging to stderr, until SIGINT/SIGTERM. */
export async function runGatewayProcess(loaded: LoadedConfig): Promise<number> {
  const log = createLogger();
  logWarnings(log, loaded);
  ensureReady(loaded);
  const gateway = startGateway({ host: loaded.config.gateway.host, port: loaded.config.gateway.port, log });
  const signal = await waitForStopSignal();
  log.info("stopping", { signal });
  await withDeadline(gateway.stop(), 4000);
  log.info("stopped");
  log.close();
  return 0;
}

/** `picoclaw` and `picoclaw --console`: gateway and launcher dashboard in one process. */
export async function runLauncherProcess(
  loaded: LoadedConfig,
  options: { console: boolean },
  io: ProcessIO,
): Promise<number> {
  const log = createLogger({ file: loaded.paths.logFile });
  logWarnings(log, loaded);
  ensureReady(loaded);
  const gateway = startGateway({ host: loaded.config.gateway.host, port: loaded.config.gateway.port, log });
  if (options.console) io.stdout(`Gateway: http://${gateway.hostname}:${gateway.port}/\n`);
  const signal = await waitForStopSignal();
  log.info("stopping", { signal });
  await withDeadline(gateway.stop(), 4000);
  log.info("stopped");
  log.close();
  return 0;
}

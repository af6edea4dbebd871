/**
 * @module
 * Logging: one line per event to stderr and, in launcher mode, to a size-rotated
 * `$PICOCLAW_HOME/logs/launcher.log` (0600). Secrets are passed as `Secret` and print masked.
 */

export { createLogger, formatLine, type LogFields, type Logger, type LoggerOptions, type LogLevel } from "./logger.ts";

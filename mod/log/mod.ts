/**
 * @module
 * Logging: one line per event to stderr and, in launcher mode, to a size-rotated
 * `$PICOCLAW_HOME/logs/launcher.log` (0600). Secrets are passed as `Secret` and print masked.
 * Control characters are escaped, values cut at 200 characters, and refusals a client can
 * repeat (`log.refusal()`) logged at most once a second per kind, so nobody can flood the log.
 * A `LogRing` keeps the last 1000 entries in memory for the dashboard's Logs page.
 */

export {
  createLogger,
  escapeControl,
  formatLine,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  MAX_VALUE_CHARS,
} from "./logger.ts";
export {
  LOG_LEVELS,
  type LogEntry,
  type LogPage,
  LogRing,
  type LogRingOptions,
  MAX_RING_FIELD_CHARS,
  MAX_RING_FIELDS,
  MAX_RING_MESSAGE_CHARS,
} from "./ring.ts";

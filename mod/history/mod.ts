/**
 * @module
 * Chat history of every channel (SPEC §6): `SqliteHistoryStore` in `$PICOCLAW_HOME/picoclaw.db`
 * (WAL, batched writes, versioned schema, per-session and session-count limits) and
 * `RedisHistoryStore` for a cluster (SPEC §9) and
 * `MemoryHistoryStore` for when history is off or the database cannot be opened. `openHistory()`
 * picks one and never fails.
 */

export { type MemoryHistoryOptions, MemoryHistoryStore } from "./memory.ts";
export { openHistory, type OpenHistoryOptions } from "./open.ts";
export { type RedisCommandRunner, type RedisHistoryOptions, RedisHistoryStore } from "./redis.ts";
export {
  describeSessionMessages,
  HISTORY_UNAVAILABLE,
  MessagesQuerySchema,
  requireHistory,
  sessionMessagesRoute,
  SessionMessagesSchema,
} from "./routes.ts";
export { migrate, type Migration, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
export { FLUSH_INTERVAL_MS, NewerSchemaError, type SqliteHistoryOptions, SqliteHistoryStore } from "./sqlite.ts";
export {
  clampLimit,
  CONTEXT_TURNS,
  DEFAULT_LIMIT,
  HISTORY_CHANNELS,
  type HistoryChannel,
  type HistoryMessage,
  type HistoryStore,
  lastTurnsOf,
  MAX_LIMIT,
  type MessagesQuery,
  type NewHistoryMessage,
  type Role,
  type SessionSummary,
  TITLE_CHARS,
  titleOf,
} from "./store.ts";

import type { Logger } from "../log/mod.ts";
import { MemoryHistoryStore } from "./memory.ts";
import { SqliteHistoryStore } from "./sqlite.ts";
import { CONTEXT_TURNS, type HistoryStore } from "./store.ts";

/** Options of {@link openHistory}: the `history` config section plus where and how. */
export interface OpenHistoryOptions {
  /** The database file, `$PICOCLAW_HOME/picoclaw.db`. */
  path: string;
  /** `history.enabled`: false keeps agent context in memory only. @default true */
  enabled?: boolean;
  /** `history.max_messages`. @default 1000 */
  maxMessages?: number;
  /** `history.max_sessions`. @default 500 */
  maxSessions?: number;
  /** Gets the one line saying the database could not be opened, and later write failures. */
  log?: Logger;
  /** Called after each committed batch with its row count. */
  onTransaction?: (rows: number) => void;
}

/**
 * Opens the chat history: the SQLite store, or, when history is off or the database cannot be
 * opened (corrupt, newer schema, read-only home, full disk), a memory store keeping the last
 * 20 turns of each session. A failure is logged once; the file is never deleted or rewritten.
 * @param options Path, limits and logger.
 * @returns A store that is always usable.
 * @example
 * const history = openHistory({ path: join(home, "picoclaw.db"), ...limits, log });
 * history.append({ session_id, role: "user", content, message_id, channel: "pico" });
 * await history.close(); // at shutdown: flushes
 */
export function openHistory(options: OpenHistoryOptions): HistoryStore {
  const maxSessions = options.maxSessions ?? 500;
  const inMemory = () =>
    new MemoryHistoryStore({ maxMessages: Math.min(options.maxMessages ?? 1000, CONTEXT_TURNS * 2), maxSessions });
  if (options.enabled === false) return inMemory();
  try {
    return SqliteHistoryStore.open(options.path, {
      maxMessages: options.maxMessages,
      maxSessions,
      log: options.log,
      onTransaction: options.onTransaction,
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    options.log?.error(`${detail}; running without chat history (the file is left as it is)`);
    return inMemory();
  }
}

import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import type { Logger } from "../log/mod.ts";
import { migrate, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
import { COLUMNS, type Row } from "./_write_batch.ts";
import { HistoryWriter } from "./writer.ts";
import {
  clampLimit,
  CONTEXT_TURNS,
  type HistoryMessage,
  type HistoryStore,
  type MessagesQuery,
  type NewHistoryMessage,
  type SessionSummary,
  storedMessage,
} from "./store.ts";

/** Options of {@link SqliteHistoryStore.open}. */
export interface SqliteHistoryOptions {
  /** Messages kept per session; the oldest go first. @default 1000 */
  maxMessages?: number;
  /** Sessions kept; the least recently active go first. @default 500 */
  maxSessions?: number;
  /** Where write failures are reported (once per failure spell). */
  log?: Logger;
  /** Called after each committed batch with its row count (tests count transactions with it). */
  onTransaction?: (rows: number) => void;
}

/** A file whose schema is newer than this program: it is left alone. */
export class NewerSchemaError extends Error {
  constructor(path: string, readonly version: number) {
    super(`Cannot open chat history ${path}: schema version ${version} is newer than ${SCHEMA_VERSION}`);
    this.name = "NewerSchemaError";
  }
}

export { FLUSH_INTERVAL_MS, MAX_PENDING_ROWS } from "./writer.ts";

function toMessage(row: Omit<Row, "session_id">): HistoryMessage {
  const message: HistoryMessage = {
    role: row.role,
    content: row.content,
    message_id: row.message_id,
    timestamp: row.timestamp,
    channel: row.channel,
  };
  if (row.model_name !== null) message.model_name = row.model_name;
  return message;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Opens `path` for reading and writing, creating it 0600 when missing; closes it again on failure. */
function openDatabase(path: string): Database {
  if (!existsSync(path)) {
    // Our own 0600, whatever the umask: SQLite gives the -wal and -shm files the same mode.
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path, { readwrite: true, create: false, strict: true });
  try {
    // Reading the version first checks the header: a corrupt file fails here, before any write.
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) throw new NewerSchemaError(path, version);
    const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new Error(`Cannot open chat history ${path}: WAL mode is not available (got ${mode})`);
    // In WAL mode NORMAL loses nothing on a process crash (only on power loss).
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA busy_timeout = 1000");
    migrate(db);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Chat history in `picoclaw.db` (SQLite in WAL mode, through `bun:sqlite`). Appends go into an
 * in-memory batch written in one transaction at most every 100 ms, and at flush/close; the
 * per-session and session-count limits are applied in that transaction.
 */
export class SqliteHistoryStore implements HistoryStore {
  readonly kind = "sqlite";
  /** Reads use this thread's own connection: they answer even while writes fail (a full disk). */
  readonly available = true;
  readonly #db: Database;
  readonly #path: string;
  readonly #log: Logger | undefined;
  readonly #writer: HistoryWriter;
  #closed = false;

  private constructor(db: Database, path: string, options: SqliteHistoryOptions) {
    this.#db = db;
    this.#path = path;
    this.#log = options.log;
    this.#writer = new HistoryWriter(path, {
      maxMessages: options.maxMessages ?? 1000,
      maxSessions: options.maxSessions ?? 500,
      log: options.log,
      onTransaction: options.onTransaction,
    });
  }

  /** Messages appended but not yet handed to the writer thread (for tests). */
  get unsent(): number {
    return this.#writer.unsent;
  }

  /**
   * Opens (creating it 0600 when missing) and migrates the database at `path`.
   * @param path Usually `$PICOCLAW_HOME/picoclaw.db`.
   * @param options Limits, logger, transaction hook.
   * @returns The store.
   * @throws {NewerSchemaError} If the file's schema is newer than this program (the file is untouched).
   * @throws {Error} If the file cannot be created, is not a database, or cannot be migrated.
   * @example
   * const store = SqliteHistoryStore.open(join(home, "picoclaw.db"), { maxMessages: 1000 });
   */
  static open(path: string, options: SqliteHistoryOptions = {}): SqliteHistoryStore {
    let db: Database;
    try {
      db = openDatabase(path);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("Cannot ")) throw err;
      throw new Error(`Cannot open chat history ${path}: ${errorText(err)}`, { cause: err });
    }
    return new SqliteHistoryStore(db, path, options);
  }

  append(message: NewHistoryMessage): void {
    if (this.#closed) return;
    const stored = storedMessage(message);
    this.#writer.append([
      message.session_id,
      stored.role,
      stored.content,
      stored.message_id,
      stored.timestamp,
      stored.channel,
      stored.model_name ?? null,
    ]);
  }

  listSessions(): Promise<SessionSummary[]> {
    return this.#afterWrites(() => {
      return this.#db.query<SessionSummary, []>(
        "SELECT id, title, channel, messages, updated_at FROM sessions ORDER BY updated_at DESC, key DESC",
      ).all();
    });
  }

  messages(sessionId: string, query: MessagesQuery = {}): Promise<HistoryMessage[] | undefined> {
    return this.#afterWrites(() => {
      const key = this.#sessionKey(sessionId);
      if (key === undefined) return undefined;
      let below = Number.MAX_SAFE_INTEGER;
      if (query.before !== undefined) {
        const found = this.#db.query<{ seq: number }, [number, string]>(
          "SELECT seq FROM messages WHERE session_key = ? AND message_id = ? ORDER BY seq LIMIT 1",
        ).get(key, query.before);
        if (!found) return [];
        below = found.seq;
      }
      const rows = this.#db.query<Row, [number, number, number]>(
        `SELECT ${COLUMNS} FROM messages WHERE session_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ).all(key, below, clampLimit(query.limit));
      return rows.reverse().map(toMessage);
    });
  }

  lastTurns(sessionId: string, turns = CONTEXT_TURNS): Promise<HistoryMessage[]> {
    return this.#afterWrites(() => {
      const key = this.#sessionKey(sessionId);
      if (key === undefined) return [];
      const n = Math.max(1, Math.floor(turns));
      // From the n-th newest user message before the newest reply, up to that reply.
      const rows = this.#db.query<Row, { key: number; n: number; limit: number }>(
        `WITH last AS (
           SELECT coalesce(max(seq), 0) AS seq FROM messages WHERE session_key = $key AND role = 'assistant'
         ), first AS (
           SELECT coalesce((SELECT seq FROM messages WHERE session_key = $key AND role = 'user'
             AND seq < (SELECT seq FROM last) ORDER BY seq DESC LIMIT 1 OFFSET $n - 1), 0) AS seq
         )
         SELECT ${COLUMNS} FROM messages WHERE session_key = $key
           AND seq >= (SELECT seq FROM first) AND seq <= (SELECT seq FROM last)
         ORDER BY seq DESC LIMIT $limit`,
      ).all({ key, n, limit: n * 2 });
      return rows.reverse().map(toMessage);
    });
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    try {
      return await this.#writer.deleteSession(sessionId);
    } catch (err) {
      this.#log?.error(`Cannot delete chat history session: ${errorText(err)}`);
      return false;
    }
  }

  flush(): Promise<void> {
    return this.#writer.settled();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lost = await this.#writer.close();
    if (lost > 0) this.#log?.error(`Cannot write chat history ${this.#path}: ${lost} messages lost at close`);
    this.#db.close();
  }

  /** The session's number in the file (`sessions.key`), or undefined when there is no such session. */
  #sessionKey(sessionId: string): number | undefined {
    return this.#db.query<{ key: number }, [string]>("SELECT key FROM sessions WHERE id = ?").get(sessionId)?.key;
  }

  /** Runs a read on this thread's connection once every message appended before it is written (or failed to be). */
  async #afterWrites<T>(read: () => T): Promise<T> {
    await this.#writer.settled();
    return read();
  }
}

import type { Database } from "bun:sqlite";

/** One forward step of the schema: migration `i` in the list takes `user_version` from `i` to `i + 1`. */
export type Migration = (db: Database) => void;

/**
 * Version 1: one row per message (`seq` orders them), plus one row per session carrying what the
 * session list shows, so listing and evicting sessions never scan the messages.
 */
function createMessagesAndSessions(db: Database): void {
  db.run(`CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    message_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('pico', 'dashboard', 'api', 'pico_client', 'telegram', 'discord')),
    model_name TEXT
  )`);
  // Pages and agent context: a session's messages by seq; `before=<message_id>` finds its seq.
  db.run("CREATE INDEX messages_by_session ON messages (session_id, seq)");
  db.run("CREATE INDEX messages_by_message_id ON messages (session_id, message_id)");
  db.run(`CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    channel TEXT NOT NULL,
    messages INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`);
  // Newest first for the list, oldest first for eviction.
  db.run("CREATE INDEX sessions_by_activity ON sessions (updated_at)");
}

/**
 * Version 2: cheaper writes. `messages.seq` becomes a plain rowid (no AUTOINCREMENT: one
 * `sqlite_sequence` update less per row) and `messages_by_message_id` goes (`before=<message_id>`
 * scans the session through `messages_by_session`: a session holds at most `max_messages` rows).
 * The rows are copied in `seq` order with their `seq`, so every order is kept.
 */
function plainSeqNoMessageIdIndex(db: Database): void {
  db.run(`CREATE TABLE messages_v2 (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    message_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('pico', 'dashboard', 'api', 'pico_client', 'telegram', 'discord')),
    model_name TEXT
  )`);
  db.run(`INSERT INTO messages_v2 (seq, session_id, role, content, message_id, timestamp, channel, model_name)
    SELECT seq, session_id, role, content, message_id, timestamp, channel, model_name FROM messages ORDER BY seq`);
  db.run("DROP TABLE messages"); // with its two indexes
  db.run("ALTER TABLE messages_v2 RENAME TO messages");
  db.run("CREATE INDEX messages_by_session ON messages (session_id, seq)");
  db.run("DELETE FROM sqlite_sequence WHERE name = 'messages'");
}

/** Every migration, oldest first. A new version is one more entry at the end; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [createMessagesAndSessions, plainSeqNoMessageIdIndex];

/** The schema version this program writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads `PRAGMA user_version`. */
export function schemaVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

/**
 * Brings the database to the newest version, each step in its own transaction (a failed step
 * leaves the file at the version before it).
 * @param db An open database whose version is at most `migrations.length`.
 * @param migrations The list to apply. @default MIGRATIONS
 * @returns The versions before and after.
 * @throws {Error} If the file is newer than `migrations` knows, or a step fails.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > migrations.length) {
    throw new Error(`Cannot migrate chat history: schema version ${from} is newer than ${migrations.length}`);
  }
  for (let version = from; version < migrations.length; version++) {
    db.transaction(() => {
      migrations[version](db);
      db.run(`PRAGMA user_version = ${version + 1}`);
    })();
  }
  return { from, to: migrations.length };
}

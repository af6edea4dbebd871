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

/**
 * Version 3: cheaper writes (about 10 → 2.5 µs a row when sessions are at their limit) and a
 * smaller file.
 * - Each session gets a number (`sessions.key`); `messages` refers to it (`session_key`)
 *   instead of repeating the session id in every row.
 * - `messages` is stored in session order (`WITHOUT ROWID`, keyed by `(session_key, seq)`): a
 *   row is one B-tree insert instead of two (table and index), and dropping a session's oldest
 *   rows removes a run of neighbours instead of rows spread across the whole file.
 * - `seq` counts per session from 1 with no gaps; `sessions.last_seq` is the newest, so a batch
 *   numbers its rows and trims a session (`seq <= last_seq - max_messages`) without a lookup.
 * - The checks are written with `=`/`OR`: SQLite checks `x IN (six strings)` through a
 *   temporary lookup table built for every row (about 1.5 µs a row).
 * Sessions keep their rowid as their key (so the list's order is unchanged) and rows their
 * order within their session; messages without a session row (none are written by this
 * program) get one, so nothing stays unreachable.
 */
function numberedSessionsOrderedMessages(db: Database): void {
  db.run(`CREATE TABLE sessions_v3 (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    channel TEXT NOT NULL,
    messages INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0
  )`);
  db.run(`INSERT INTO sessions_v3 (key, id, title, channel, messages, updated_at)
    SELECT rowid, id, title, channel, messages, updated_at FROM sessions ORDER BY rowid`);
  db.run(`INSERT INTO sessions_v3 (id, title, channel, messages, updated_at)
    SELECT session_id, '', min(channel), 0, max(timestamp) FROM messages
    WHERE session_id NOT IN (SELECT id FROM sessions_v3) GROUP BY session_id ORDER BY min(seq)`);
  db.run(`CREATE TABLE messages_v3 (
    session_key INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role = 'user' OR role = 'assistant'),
    content TEXT NOT NULL,
    message_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel = 'pico' OR channel = 'dashboard' OR channel = 'api'
      OR channel = 'pico_client' OR channel = 'telegram' OR channel = 'discord'),
    model_name TEXT,
    PRIMARY KEY (session_key, seq)
  ) WITHOUT ROWID`);
  db.run(`INSERT INTO messages_v3 (session_key, seq, role, content, message_id, timestamp, channel, model_name)
    SELECT s.key, row_number() OVER (PARTITION BY m.session_id ORDER BY m.seq), m.role, m.content, m.message_id,
      m.timestamp, m.channel, m.model_name FROM messages m JOIN sessions_v3 s ON s.id = m.session_id`);
  db.run("DROP TABLE messages"); // with its index
  db.run("DROP TABLE sessions"); // with its indexes
  db.run("ALTER TABLE messages_v3 RENAME TO messages");
  db.run("ALTER TABLE sessions_v3 RENAME TO sessions");
  db.run("CREATE INDEX sessions_by_activity ON sessions (updated_at)");
  db.run(`UPDATE sessions SET
    messages = (SELECT count(*) FROM messages WHERE session_key = sessions.key),
    last_seq = coalesce((SELECT max(seq) FROM messages WHERE session_key = sessions.key), 0)`);
}

/** Every migration, oldest first. A new version is one more entry at the end; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [
  createMessagesAndSessions,
  plainSeqNoMessageIdIndex,
  numberedSessionsOrderedMessages,
];

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

import type { Database } from "bun:sqlite";
import { type HistoryChannel, type Role, titleOf } from "./store.ts";

/** One message row as read back (columns by name). */
export type Row = {
  session_id: string;
  role: Role;
  content: string;
  message_id: string;
  timestamp: number;
  channel: HistoryChannel;
  model_name: string | null;
};

/**
 * One message row on its way to the writer thread, as the positional values of the INSERT:
 * `[session_id, role, content, message_id, timestamp, channel, model_name]`.
 */
export type RowValues = [
  session_id: string,
  role: Role,
  content: string,
  message_id: string,
  timestamp: number,
  channel: HistoryChannel,
  model_name: string | null,
];

/** The columns a read returns, in the order of {@link HistoryMessage}. */
export const COLUMNS = "role, content, message_id, timestamp, channel, model_name";

/**
 * Encodes a batch for the writer thread: rows travel as one JSON text per batch, since copying
 * one string to the worker costs a fraction of cloning thousands of objects (on the main thread
 * and in the worker alike). The worker decodes it with {@link decodeBatch}.
 * @param rows The rows, oldest first.
 * @returns One JSON array of arrays.
 */
export function batchText(rows: readonly RowValues[]): string {
  return JSON.stringify(rows);
}

/**
 * Decodes a batch text back into rows.
 * @param text What {@link batchText} made.
 * @returns The rows, oldest first.
 */
export function decodeBatch(text: string): RowValues[] {
  return JSON.parse(text) as RowValues[];
}

/**
 * Inserts a batch and applies the limits; the caller runs it inside one transaction. Each
 * session the batch touches costs one upsert (which numbers its rows) and, past its limit, one
 * DELETE of its oldest rows, not one per row.
 * @param db The open, migrated database.
 * @param batch The rows, oldest first.
 * @param maxMessages Messages kept per session touched by the batch (the oldest go first).
 * @param maxSessions Sessions kept (the least recently active go first).
 */
export function writeBatch(db: Database, batch: RowValues[], maxMessages: number, maxSessions: number): void {
  const bySession = new Map<string, RowValues[]>();
  for (const row of batch) {
    const rows = bySession.get(row[0]);
    if (rows) rows.push(row);
    else bySession.set(row[0], [row]);
  }
  const touch = db.query<{ key: number; messages: number; last_seq: number }, SessionDelta>(
    `INSERT INTO sessions (id, title, channel, messages, updated_at, last_seq)
     VALUES ($id, $title, $channel, $added, $updatedAt, $added)
     ON CONFLICT (id) DO UPDATE SET messages = messages + excluded.messages,
       updated_at = max(updated_at, excluded.updated_at),
       title = CASE WHEN title = '' THEN excluded.title ELSE title END,
       last_seq = last_seq + excluded.last_seq
     RETURNING key, messages, last_seq`,
  );
  // OR REPLACE: a stray row under a number this batch takes (none are written) cannot stop every later write.
  const insert = db.query<unknown, [number, number, Role, string, string, number, HistoryChannel, string | null]>(
    `INSERT OR REPLACE INTO messages (session_key, seq, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trim = db.query<unknown, [number, number]>("DELETE FROM messages WHERE session_key = ? AND seq <= ?");
  const recount = db.query<unknown, [number, number]>("UPDATE sessions SET messages = ? WHERE key = ?");
  for (const [id, rows] of bySession) {
    const { key, messages, last_seq: last } = touch.get(sessionDelta(id, rows))!;
    let seq = last - rows.length;
    for (const [, role, content, messageId, timestamp, channel, modelName] of rows) {
      insert.run(key, ++seq, role, content, messageId, timestamp, channel, modelName);
    }
    if (messages <= maxMessages) continue;
    trim.run(key, last - maxMessages);
    recount.run(maxMessages, key);
  }
  const sessions = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()?.n ?? 0;
  if (sessions > maxSessions) {
    const evicted = db.query<{ key: number }, [number]>(
      "SELECT key FROM sessions ORDER BY updated_at, key LIMIT ?",
    ).all(sessions - maxSessions);
    for (const { key } of evicted) deleteSession(db, key);
  }
}

/**
 * Deletes a session with its messages; the caller runs it inside a transaction.
 * @param db The open, migrated database.
 * @param key The session's number (`sessions.key`).
 */
export function deleteSession(db: Database, key: number): void {
  db.query("DELETE FROM messages WHERE session_key = ?").run(key);
  db.query("DELETE FROM sessions WHERE key = ?").run(key);
}

/** What one batch adds to one session (bound by name in the upsert). */
type SessionDelta = { id: string; title: string; channel: HistoryChannel; added: number; updatedAt: number };

/** The session row's share of a batch: its title (from the first user message), channel, count and newest time. */
function sessionDelta(id: string, rows: RowValues[]): SessionDelta {
  let title = "";
  let updatedAt = 0;
  for (const [, role, content, , timestamp] of rows) {
    if (title === "" && role === "user") title = titleOf(content);
    if (timestamp > updatedAt) updatedAt = timestamp;
  }
  return { id, title, channel: rows[0][5], added: rows.length, updatedAt };
}

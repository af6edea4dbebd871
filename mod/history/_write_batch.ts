import type { Database } from "bun:sqlite";
import { type HistoryChannel, type Role, titleOf } from "./store.ts";

/** One message row as stored (bound by column name). */
export type Row = {
  session_id: string;
  role: Role;
  content: string;
  message_id: string;
  timestamp: number;
  channel: HistoryChannel;
  model_name: string | null;
};

/** The columns a read returns, in the order of {@link HistoryMessage}. */
export const COLUMNS = "role, content, message_id, timestamp, channel, model_name";

/**
 * Inserts a batch and applies the limits; the caller runs it inside one transaction.
 * @param db The open, migrated database.
 * @param batch The rows, oldest first.
 * @param maxMessages Messages kept per session touched by the batch (the oldest go first).
 * @param maxSessions Sessions kept (the least recently active go first).
 */
export function writeBatch(db: Database, batch: Row[], maxMessages: number, maxSessions: number): void {
  const insert = db.query<unknown, Row>(
    `INSERT INTO messages (session_id, ${COLUMNS}) VALUES ($session_id, $role, $content, $message_id, $timestamp,
     $channel, $model_name)`,
  );
  const touch = db.query<unknown, { id: string; title: string; channel: string; timestamp: number }>(
    `INSERT INTO sessions (id, title, channel, messages, updated_at) VALUES ($id, $title, $channel, 1, $timestamp)
     ON CONFLICT (id) DO UPDATE SET messages = messages + 1, updated_at = max(updated_at, excluded.updated_at),
       title = CASE WHEN title = '' THEN excluded.title ELSE title END`,
  );
  const touched = new Set<string>();
  for (const row of batch) {
    insert.run(row);
    const title = row.role === "user" ? titleOf(row.content) : "";
    touch.run({ id: row.session_id, title, channel: row.channel, timestamp: row.timestamp });
    touched.add(row.session_id);
  }
  const count = db.query<{ messages: number }, [string]>("SELECT messages FROM sessions WHERE id = ?");
  for (const id of touched) {
    const excess = (count.get(id)?.messages ?? 0) - maxMessages;
    if (excess <= 0) continue;
    db.query(
      "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE session_id = ? ORDER BY seq LIMIT ?)",
    ).run(id, excess);
    db.query("UPDATE sessions SET messages = ? WHERE id = ?").run(maxMessages, id);
  }
  const sessions = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()?.n ?? 0;
  if (sessions > maxSessions) {
    const evicted = db.query<{ id: string }, [number]>(
      "SELECT id FROM sessions ORDER BY updated_at, rowid LIMIT ?",
    ).all(sessions - maxSessions);
    for (const { id } of evicted) {
      db.query("DELETE FROM messages WHERE session_id = ?").run(id);
      db.query("DELETE FROM sessions WHERE id = ?").run(id);
    }
  }
}

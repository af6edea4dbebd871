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

/** What one batch adds to one session. */
type SessionDelta = {
  title: string;
  channel: HistoryChannel;
  messages: number;
  updatedAt: number;
};

/**
 * Inserts a batch and applies the limits; the caller runs it inside one transaction. Each
 * session the batch touches costs one upsert (and, past its limit, one DELETE), not one per row.
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
  const deltas = new Map<string, SessionDelta>();
  for (const row of batch) {
    insert.run(row);
    let delta = deltas.get(row.session_id);
    if (!delta) {
      delta = { title: "", channel: row.channel, messages: 0, updatedAt: row.timestamp };
      deltas.set(row.session_id, delta);
    }
    delta.messages++;
    delta.updatedAt = Math.max(delta.updatedAt, row.timestamp);
    if (delta.title === "" && row.role === "user") delta.title = titleOf(row.content);
  }
  const touch = db.query<{ messages: number }, SessionDelta & { id: string }>(
    `INSERT INTO sessions (id, title, channel, messages, updated_at) VALUES ($id, $title, $channel, $messages, $updatedAt)
     ON CONFLICT (id) DO UPDATE SET messages = messages + excluded.messages,
       updated_at = max(updated_at, excluded.updated_at),
       title = CASE WHEN title = '' THEN excluded.title ELSE title END
     RETURNING messages`,
  );
  const trim = db.query<unknown, { id: string; keep: number }>(
    `DELETE FROM messages WHERE session_id = $id AND seq < (SELECT seq FROM messages WHERE session_id = $id
     ORDER BY seq DESC LIMIT 1 OFFSET $keep - 1)`,
  );
  const recount = db.query<unknown, [number, string]>("UPDATE sessions SET messages = ? WHERE id = ?");
  for (const [id, delta] of deltas) {
    const count = touch.get({ id, ...delta })?.messages ?? 0;
    if (count <= maxMessages) continue;
    trim.run({ id, keep: maxMessages });
    recount.run(maxMessages, id);
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

/**
 * @module
 * The chat history's writer thread (a Bun Worker started by `writer.ts`): it owns the write
 * connection to `picoclaw.db` and runs each batch in one transaction, so the main thread never
 * waits for SQLite while it writes. Requests are answered in the order they came.
 */

import { Database } from "bun:sqlite";
import { decodeBatch, deleteSession, writeBatch } from "./_write_batch.ts";
import type { WriterReply, WriterRequest } from "./writer.ts";

declare const self: Worker;

let config: Extract<WriterRequest, { type: "open" }> | undefined;
let db: Database | undefined;

/** The write connection, opened on first use (and again after a failed open). */
function connection(): Database {
  if (db) return db;
  if (!config) throw new Error("the writer was not told which file to write");
  // The main thread created, migrated and switched the file to WAL (which persists in the file).
  const opened = new Database(config.path, { readwrite: true, create: false, strict: true });
  try {
    opened.run("PRAGMA synchronous = NORMAL");
    opened.run("PRAGMA busy_timeout = 1000");
  } catch (err) {
    opened.close();
    throw err;
  }
  db = opened;
  return db;
}

function answer(request: Exclude<WriterRequest, { type: "open" }>): boolean {
  switch (request.type) {
    case "write": {
      const write = connection();
      const rows = decodeBatch(request.rows);
      write.transaction(() => writeBatch(write, rows, config!.maxMessages, config!.maxSessions))();
      return true;
    }
    case "delete": {
      const write = connection();
      return write.transaction(() => {
        const found = write.query<{ key: number }, [string]>("SELECT key FROM sessions WHERE id = ?")
          .get(request.sessionId);
        if (!found) return false;
        deleteSession(write, found.key);
        return true;
      })();
    }
    case "close":
      db?.close();
      db = undefined;
      return true;
  }
}

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  if (request.type === "open") {
    config = request;
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: request.id, ok: true, value: answer(request) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};

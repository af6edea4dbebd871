import type { Context } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import { describe, parseRequest } from "../http/mod.ts";
import { z } from "../zod/mod.ts";
import { clampLimit, DEFAULT_LIMIT, HISTORY_CHANNELS, type HistoryStore, MAX_LIMIT } from "./store.ts";

/** `?limit=N&before=<message_id>` of the session APIs (SPEC §6). */
export const MessagesQuerySchema = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,9}$/, `must be a whole number (at most ${MAX_LIMIT})`))),
  before: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});

/** The answer of the session message routes, for the OpenAPI document: `{id, messages}` oldest first. */
export const SessionMessagesSchema = z.object({
  id: z.string(),
  messages: z.array(z.object({
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    message_id: z.string(),
    timestamp: z.number(),
    channel: z.enum(HISTORY_CHANNELS as [string, ...string[]]),
    model_name: z.optional(z.string()),
  })),
});

/** The OpenAPI description of a 503 from {@link requireHistory}. */
export const HISTORY_UNAVAILABLE = "`history_unavailable`: the cluster's Redis is down";

/**
 * The OpenAPI document of {@link sessionMessagesRoute}, on either server.
 * @param responses What the server's own guard may answer (the gateway's 401).
 * @returns The route's `describe()` middleware.
 */
export function describeSessionMessages(responses: Record<string, string> = {}) {
  return describe({
    summary: "A session's messages, oldest first",
    tags: ["history"],
    query: MessagesQuerySchema,
    response: SessionMessagesSchema,
    responses: {
      ...responses,
      "400": "`invalid_request`: a bad query",
      "404": "`not_found`: no such session",
      "503": HISTORY_UNAVAILABLE,
    },
  });
}

/**
 * Refuses a session API call while the history cannot answer (a cluster's Redis is down), so
 * nobody mistakes "unavailable" for "no sessions" or "no such session".
 * @param history The store the route reads.
 * @throws {PicoclawError} `history_unavailable` (503).
 */
export function requireHistory(history: HistoryStore): void {
  if (!history.available) {
    throw new PicoclawError(
      "history_unavailable",
      "Chat history is unavailable while Redis is down; it is back as soon as Redis is",
    );
  }
}

/**
 * `GET .../sessions/:id` (launcher) and `GET /api/sessions/:id/messages` (gateway): a session's
 * messages oldest first, `{id, messages}`; an unknown session is 404 `not_found`, a store that
 * cannot answer 503 `history_unavailable`.
 *
 * @param history The store to read.
 * @returns A Hono handler; the route must name its session parameter `id`.
 */
export function sessionMessagesRoute(history: HistoryStore) {
  return async function sessionMessages(c: Context): Promise<Response> {
    const id = c.req.param("id") ?? "";
    const query = parseRequest(MessagesQuerySchema, c.req.query());
    // Default 100; above 1000 is read as 1000.
    const limit = clampLimit(query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit));
    requireHistory(history);
    const messages = await history.messages(id, { limit, before: query.before });
    if (messages === undefined) throw new PicoclawError("not_found", "No such session");
    return c.json({ id, messages });
  };
}

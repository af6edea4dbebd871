/** Who wrote a message. */
export type Role = "user" | "assistant";

/** The channel a message came through (SPEC §6). */
export type HistoryChannel = "pico" | "dashboard" | "api" | "pico_client" | "telegram" | "discord";

/** Every channel, for validation. */
export const HISTORY_CHANNELS: readonly HistoryChannel[] = [
  "pico",
  "dashboard",
  "api",
  "pico_client",
  "telegram",
  "discord",
];

/** One stored message, in the shape the session APIs answer with (SPEC §6). */
export interface HistoryMessage {
  role: Role;
  content: string;
  message_id: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  channel: HistoryChannel;
  /** Present only when the message carries a model name. */
  model_name?: string;
}

/** A message to store: a {@link HistoryMessage} of one session; `timestamp` defaults to now. */
export interface NewHistoryMessage {
  session_id: string;
  role: Role;
  content: string;
  message_id: string;
  timestamp?: number;
  channel: HistoryChannel;
  model_name?: string | null;
}

/** One entry of the session list (SPEC §6 `GET /api/sessions`). */
export interface SessionSummary {
  id: string;
  /** The session's first user message, at most {@link TITLE_CHARS} characters. */
  title: string;
  /** The channel of the session's first message. */
  channel: HistoryChannel;
  /** How many messages the session holds now. */
  messages: number;
  /** Timestamp (ms) of its newest message. */
  updated_at: number;
}

/** Paging of {@link HistoryStore.messages}. */
export interface MessagesQuery {
  /** At most this many messages, clamped to 1..{@link MAX_LIMIT}. @default 100 */
  limit?: number;
  /** Only messages older than the one with this `message_id`; an id the session lacks gives none. */
  before?: string;
}

/** Default page size of {@link HistoryStore.messages}. */
export const DEFAULT_LIMIT = 100;
/** Largest page size of {@link HistoryStore.messages}. */
export const MAX_LIMIT = 1000;
/** Session titles are cut at this many characters. */
export const TITLE_CHARS = 60;
/** Turns (user/assistant pairs) of agent context. */
export const CONTEXT_TURNS = 20;

/**
 * Chat history of every channel. Appends are synchronous and cheap (they go into a batch
 * written later); reads are async so that a networked store (Redis) fits the same interface,
 * and they see every message appended before them (read-your-writes). No method throws
 * because storage failed: failures are logged by the store.
 */
export interface HistoryStore {
  /** `sqlite` when messages reach `picoclaw.db`, `redis` in a cluster, `memory` when they are kept in memory only. */
  readonly kind: "sqlite" | "memory" | "redis";
  /** Whether reads answer from the store now: false while a cluster's Redis is down (reads would answer empty). */
  readonly available: boolean;
  /**
   * Queues one message; it is written within 100 ms (or at flush/close).
   * @param message The message; its `timestamp` defaults to `Date.now()`.
   */
  append(message: NewHistoryMessage): void;
  /** @returns Every session, the most recently active first. */
  listSessions(): Promise<SessionSummary[]>;
  /**
   * A page of one session's messages, oldest first: the newest `limit` messages before `before`.
   * @param sessionId The session.
   * @param query `limit` (default 100, clamped to 1..1000) and `before` (a `message_id`).
   * @returns The messages, or `undefined` when the session is unknown (an API answers 404).
   * @example
   * const page = await store.messages("s1", { limit: 50 });
   * const older = await store.messages("s1", { limit: 50, before: page?.[0]?.message_id });
   */
  messages(sessionId: string, query?: MessagesQuery): Promise<HistoryMessage[] | undefined>;
  /**
   * Agent context: the last `turns` turns of a session up to its newest reply, oldest first. A
   * turn starts at a user message (one whose reply failed counts too); user messages after the
   * newest reply (still waiting for one, like the request being answered) are left out, so the
   * caller appends the message it answers itself. At most `2 * turns` messages.
   * @param sessionId The session.
   * @param turns How many user/assistant pairs. @default 20
   * @returns The messages, `[]` for an unknown session.
   * @example
   * const context = (await history.lastTurns(id)).map(({ role, content }) => ({ role, content }));
   * messages = [system, ...context, { role: "user", content: text }];
   */
  lastTurns(sessionId: string, turns?: number): Promise<HistoryMessage[]>;
  /** Deletes a session's messages. @returns false when the session was unknown. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** Writes the pending batch now. */
  flush(): Promise<void>;
  /** Flushes, then releases the store; later appends are ignored. */
  close(): Promise<void>;
}

/** Clamps a requested page size to 1..{@link MAX_LIMIT}, defaulting to {@link DEFAULT_LIMIT}. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * Checks a new message and gives the row every store keeps: its role and channel must be known,
 * the time defaults to now, and `model_name` is there only when set.
 *
 * @param message What a channel appended.
 * @returns The message as stored (without its session id).
 * @throws {TypeError} For an unknown role or channel (a bug in the caller, not user input).
 */
export function storedMessage(message: NewHistoryMessage): HistoryMessage {
  if (message.role !== "user" && message.role !== "assistant") {
    throw new TypeError(`Cannot store message: unknown role ${JSON.stringify(message.role)}`);
  }
  if (!HISTORY_CHANNELS.includes(message.channel)) {
    throw new TypeError(`Cannot store message: unknown channel ${JSON.stringify(message.channel)}`);
  }
  const stored: HistoryMessage = {
    role: message.role,
    content: message.content,
    message_id: message.message_id,
    timestamp: message.timestamp ?? Date.now(),
    channel: message.channel,
  };
  if (message.model_name != null) stored.model_name = message.model_name;
  return stored;
}

/** A session title: the first user message cut to {@link TITLE_CHARS} characters with whitespace runs as one space (never cut mid-character). */
export function titleOf(content: string): string {
  // Cut a bounded prefix first: a message may be a megabyte long.
  const text = content.slice(0, TITLE_CHARS * 4).replace(/\s+/g, " ").trim();
  return Array.from(text).slice(0, TITLE_CHARS).join("");
}

/**
 * The agent context of {@link HistoryStore.lastTurns} from a session's newest messages (oldest
 * first): the last `turns` turns up to the newest reply.
 */
export function lastTurnsOf(messages: readonly HistoryMessage[], turns = CONTEXT_TURNS): HistoryMessage[] {
  const n = Math.max(1, Math.floor(turns));
  const last = messages.findLastIndex((m) => m.role === "assistant");
  let first = 0;
  for (let i = last - 1, users = 0; i >= 0; i--) {
    if (messages[i].role === "user" && ++users === n) {
      first = i;
      break;
    }
  }
  return messages.slice(Math.max(first, last + 1 - n * 2), last + 1).map((m) => ({ ...m }));
}

/**
 * Runs a synchronous read as a promise: its result resolves it, an exception rejects it (never
 * thrown at the caller's call site).
 */
export function settle<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (err) {
    return Promise.reject(err);
  }
}

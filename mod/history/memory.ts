import {
  clampLimit,
  CONTEXT_TURNS,
  HISTORY_CHANNELS,
  type HistoryMessage,
  type HistoryStore,
  lastTurnsOf,
  type MessagesQuery,
  type NewHistoryMessage,
  type SessionSummary,
  settle,
  titleOf,
} from "./store.ts";

/** Options of {@link MemoryHistoryStore}. */
export interface MemoryHistoryOptions {
  /** Messages kept per session; the oldest go first. @default 40 (20 turns of agent context) */
  maxMessages?: number;
  /** Sessions kept; the least recently active go first. @default 500 */
  maxSessions?: number;
  /**
   * Characters of text kept in all sessions together; past it the least recently active
   * sessions go first, then the oldest messages of the last one. @default 32 Mi
   */
  maxChars?: number;
}

interface MemorySession {
  summary: SessionSummary;
  messages: HistoryMessage[];
}

/**
 * Chat history in memory only, for when history is off or `picoclaw.db` cannot be opened: it
 * keeps what the agent needs (the recent messages of recent sessions), bounded, and loses it
 * at exit.
 */
export class MemoryHistoryStore implements HistoryStore {
  readonly kind = "memory";
  readonly #maxMessages: number;
  readonly #maxSessions: number;
  readonly #maxChars: number;
  /** Characters of text held, all sessions together. */
  #chars = 0;
  /** Insertion order = activity order: a session is re-inserted at each message. */
  readonly #sessions = new Map<string, MemorySession>();

  constructor(options: MemoryHistoryOptions = {}) {
    this.#maxMessages = options.maxMessages ?? CONTEXT_TURNS * 2;
    this.#maxSessions = options.maxSessions ?? 500;
    this.#maxChars = options.maxChars ?? 32 * 1024 * 1024;
  }

  /** Characters of text held (for tests). */
  get chars(): number {
    return this.#chars;
  }

  append(message: NewHistoryMessage): void {
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
    let session = this.#sessions.get(message.session_id);
    if (session) {
      this.#sessions.delete(message.session_id);
    } else {
      const summary = { id: message.session_id, title: "", channel: stored.channel, messages: 0, updated_at: 0 };
      session = { summary, messages: [] };
    }
    this.#sessions.set(message.session_id, session);
    session.messages.push(stored);
    this.#chars += stored.content.length;
    if (session.messages.length > this.#maxMessages) {
      this.#dropOldest(session, session.messages.length - this.#maxMessages);
    }
    const summary = session.summary;
    if (summary.title === "" && stored.role === "user") summary.title = titleOf(stored.content);
    summary.updated_at = Math.max(summary.updated_at, stored.timestamp);
    if (this.#sessions.size > this.#maxSessions) this.#forgetLeastActive();
    // The total: whole sessions first (least recently active), then the newest one's oldest messages.
    while (this.#chars > this.#maxChars && this.#sessions.size > 1) this.#forgetLeastActive();
    while (this.#chars > this.#maxChars && session.messages.length > 1) this.#dropOldest(session, 1);
    summary.messages = session.messages.length;
  }

  #dropOldest(session: MemorySession, count: number): void {
    for (const message of session.messages.splice(0, count)) this.#chars -= message.content.length;
  }

  #forgetLeastActive(): void {
    const [id, session] = this.#sessions.entries().next().value!;
    this.#sessions.delete(id);
    for (const message of session.messages) this.#chars -= message.content.length;
  }

  listSessions(): Promise<SessionSummary[]> {
    return settle(() => {
      // Newest first; the (stable) sort keeps activity order among equal timestamps.
      return [...this.#sessions.values()].reverse().map((s) => ({ ...s.summary }))
        .sort((a, b) => b.updated_at - a.updated_at);
    });
  }

  messages(sessionId: string, query: MessagesQuery = {}): Promise<HistoryMessage[] | undefined> {
    return settle(() => {
      const session = this.#sessions.get(sessionId);
      if (!session) return undefined;
      let end = session.messages.length;
      if (query.before !== undefined) {
        end = session.messages.findIndex((m) => m.message_id === query.before);
        if (end < 0) return [];
      }
      return session.messages.slice(Math.max(0, end - clampLimit(query.limit)), end).map((m) => ({ ...m }));
    });
  }

  lastTurns(sessionId: string, turns = CONTEXT_TURNS): Promise<HistoryMessage[]> {
    return settle(() => lastTurnsOf(this.#sessions.get(sessionId)?.messages ?? [], turns));
  }

  deleteSession(sessionId: string): Promise<boolean> {
    return settle(() => {
      const session = this.#sessions.get(sessionId);
      if (!session) return false;
      this.#sessions.delete(sessionId);
      for (const message of session.messages) this.#chars -= message.content.length;
      return true;
    });
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

import {
  clampLimit,
  CONTEXT_TURNS,
  type HistoryMessage,
  type HistoryStore,
  lastTurnsOf,
  type MessagesQuery,
  type NewHistoryMessage,
  type SessionSummary,
  settle,
  storedMessage,
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

/**
 * One session: its messages live in `slots[start..]` (dropping the oldest clears a slot and moves
 * `start`; the array is compacted once half of it is cleared), and it sits in a doubly linked
 * list in activity order, so an append moves it to the newest end in O(1).
 */
interface MemorySession {
  id: string;
  summary: SessionSummary;
  slots: (HistoryMessage | undefined)[];
  start: number;
  older: MemorySession | undefined;
  newer: MemorySession | undefined;
}

/** Cleared slots a session's array may hold before it is compacted (at least half of it). */
const COMPACT_AFTER = 32;

function live(session: MemorySession): HistoryMessage[] {
  return session.slots.slice(session.start) as HistoryMessage[];
}

function size(session: MemorySession): number {
  return session.slots.length - session.start;
}

/**
 * Chat history in memory only, for when history is off or `picoclaw.db` cannot be opened: it
 * keeps what the agent needs (the recent messages of recent sessions), bounded, and loses it
 * at exit. An append costs O(1) amortised whatever the limits.
 */
export class MemoryHistoryStore implements HistoryStore {
  readonly kind = "memory";
  readonly available = true;
  readonly #maxMessages: number;
  readonly #maxSessions: number;
  readonly #maxChars: number;
  /** Characters of text held, all sessions together. */
  #chars = 0;
  readonly #sessions = new Map<string, MemorySession>();
  /** Ends of the activity list: the least and the most recently active session. */
  #oldest: MemorySession | undefined;
  #newest: MemorySession | undefined;

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
    const stored = storedMessage(message);
    let session = this.#sessions.get(message.session_id);
    if (session) {
      this.#unlink(session);
    } else {
      const summary = { id: message.session_id, title: "", channel: stored.channel, messages: 0, updated_at: 0 };
      session = { id: message.session_id, summary, slots: [], start: 0, older: undefined, newer: undefined };
      this.#sessions.set(message.session_id, session);
    }
    this.#linkNewest(session);
    session.slots.push(stored);
    this.#chars += stored.content.length;
    while (size(session) > this.#maxMessages) this.#dropOldest(session);
    const summary = session.summary;
    if (summary.title === "" && stored.role === "user") summary.title = titleOf(stored.content);
    summary.updated_at = Math.max(summary.updated_at, stored.timestamp);
    if (this.#sessions.size > this.#maxSessions) this.#forget(this.#oldest!);
    // The total: whole sessions first (least recently active), then the newest one's oldest messages.
    while (this.#chars > this.#maxChars && this.#sessions.size > 1) this.#forget(this.#oldest!);
    while (this.#chars > this.#maxChars && size(session) > 1) this.#dropOldest(session);
    summary.messages = size(session);
  }

  #dropOldest(session: MemorySession): void {
    this.#chars -= session.slots[session.start]!.content.length;
    session.slots[session.start++] = undefined;
    if (session.start >= COMPACT_AFTER && session.start * 2 >= session.slots.length) {
      session.slots = live(session);
      session.start = 0;
    }
  }

  #unlink(session: MemorySession): void {
    if (session.older) session.older.newer = session.newer;
    else this.#oldest = session.newer;
    if (session.newer) session.newer.older = session.older;
    else this.#newest = session.older;
    session.older = session.newer = undefined;
  }

  #linkNewest(session: MemorySession): void {
    session.older = this.#newest;
    if (this.#newest) this.#newest.newer = session;
    else this.#oldest = session;
    this.#newest = session;
  }

  #forget(session: MemorySession): void {
    this.#unlink(session);
    this.#sessions.delete(session.id);
    for (let i = session.start; i < session.slots.length; i++) this.#chars -= session.slots[i]!.content.length;
  }

  listSessions(): Promise<SessionSummary[]> {
    return settle(() => {
      // Newest first; the (stable) sort keeps activity order among equal timestamps.
      const list: SessionSummary[] = [];
      for (let s = this.#newest; s; s = s.older) list.push({ ...s.summary });
      return list.sort((a, b) => b.updated_at - a.updated_at);
    });
  }

  messages(sessionId: string, query: MessagesQuery = {}): Promise<HistoryMessage[] | undefined> {
    return settle(() => {
      const session = this.#sessions.get(sessionId);
      if (!session) return undefined;
      const messages = live(session);
      let end = messages.length;
      if (query.before !== undefined) {
        end = messages.findIndex((m) => m.message_id === query.before);
        if (end < 0) return [];
      }
      return messages.slice(Math.max(0, end - clampLimit(query.limit)), end).map((m) => ({ ...m }));
    });
  }

  lastTurns(sessionId: string, turns = CONTEXT_TURNS): Promise<HistoryMessage[]> {
    return settle(() => {
      const session = this.#sessions.get(sessionId);
      return lastTurnsOf(session ? live(session) : [], turns);
    });
  }

  deleteSession(sessionId: string): Promise<boolean> {
    return settle(() => {
      const session = this.#sessions.get(sessionId);
      if (!session) return false;
      this.#forget(session);
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

import { truncateUtf8, utf8Length } from "./limits.ts";

/** A Chat Completions message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string | unknown[];
}

/**
 * Cuts one turn to at most `maxBytes` of UTF-8 in all: a turn that fits is kept whole;
 * otherwise a side that fits in half the budget is kept whole and the other side gets the rest.
 */
function boundTurn(user: string, assistant: string, maxBytes: number): [string, string] {
  const userBytes = utf8Length(user);
  const assistantBytes = utf8Length(assistant);
  if (userBytes + assistantBytes <= maxBytes) return [user, assistant];
  const half = Math.floor(maxBytes / 2);
  if (userBytes <= half) return [user, truncateUtf8(assistant, maxBytes - userBytes)];
  if (assistantBytes <= half) return [truncateUtf8(user, maxBytes - assistantBytes), assistant];
  return [truncateUtf8(user, half), truncateUtf8(assistant, maxBytes - half)];
}

/** One session's history and its size in UTF-8 bytes. */
interface SessionHistory {
  messages: ChatMessage[];
  bytes: number;
}

function messageBytes(message: ChatMessage): number {
  return typeof message.content === "string" ? utf8Length(message.content) : 0;
}

/**
 * Per-session chat history in memory: the last `maxTurns` user/assistant pairs of each
 * session, for at most `maxSessions` sessions (the least recently used are forgotten),
 * each turn cut to at most `maxTurnBytes` of UTF-8 text, and at most `maxTotalBytes` in all
 * (past it the least recently used sessions are forgotten first, then the oldest turns).
 */
export class ChatHistory {
  readonly #maxTurns: number;
  readonly #maxSessions: number;
  readonly #maxTurnBytes: number;
  readonly #maxTotalBytes: number;
  readonly #sessions = new Map<string, SessionHistory>();
  #totalBytes = 0;

  /**
   * @param maxTurns User/assistant pairs kept per session.
   * @param maxSessions Sessions kept; past it the least recently used is forgotten.
   * @param maxTurnBytes UTF-8 bytes kept of one turn (user and assistant text together).
   * @param maxTotalBytes UTF-8 bytes kept in all; raised to `maxTurnBytes` if lower.
   */
  constructor(maxTurns: number, maxSessions: number, maxTurnBytes = Infinity, maxTotalBytes = Infinity) {
    this.#maxTurns = maxTurns;
    this.#maxSessions = maxSessions;
    this.#maxTurnBytes = maxTurnBytes;
    this.#maxTotalBytes = Math.max(maxTotalBytes, maxTurnBytes);
  }

  /** The session's messages, oldest first. */
  get(sessionId: string): ChatMessage[] {
    return [...(this.#sessions.get(sessionId)?.messages ?? [])];
  }

  /** Appends one turn (text only: images are not kept) and trims to the limits. */
  add(sessionId: string, user: string, assistant: string): void {
    const session = this.#sessions.get(sessionId) ?? { messages: [], bytes: 0 };
    this.#sessions.delete(sessionId); // re-insert to mark as most recently used
    this.#sessions.set(sessionId, session);
    const [userKept, assistantKept] = boundTurn(user, assistant, this.#maxTurnBytes);
    const added = utf8Length(userKept) + utf8Length(assistantKept);
    session.messages.push({ role: "user", content: userKept }, { role: "assistant", content: assistantKept });
    session.bytes += added;
    this.#totalBytes += added;
    while (session.messages.length > this.#maxTurns * 2) this.#dropOldestTurn(session);
    if (this.#sessions.size > this.#maxSessions) this.#forgetOldestSession();
    while (this.#totalBytes > this.#maxTotalBytes) {
      if (this.#sessions.size > 1) this.#forgetOldestSession();
      else if (session.messages.length > 2) this.#dropOldestTurn(session);
      else break; // one turn, at most maxTurnBytes <= maxTotalBytes: cannot happen
    }
  }

  /** How many sessions have history. */
  get size(): number {
    return this.#sessions.size;
  }

  /** UTF-8 bytes of text kept, all sessions together. */
  get bytes(): number {
    return this.#totalBytes;
  }

  #dropOldestTurn(session: SessionHistory): void {
    const dropped = session.messages.splice(0, 2).reduce((n, m) => n + messageBytes(m), 0);
    session.bytes -= dropped;
    this.#totalBytes -= dropped;
  }

  #forgetOldestSession(): void {
    const [oldest, session] = this.#sessions.entries().next().value ?? [];
    if (oldest === undefined || !session) return;
    this.#sessions.delete(oldest);
    this.#totalBytes -= session.bytes;
  }
}

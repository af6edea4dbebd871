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

/**
 * Per-session chat history in memory: the last `maxTurns` user/assistant pairs of each
 * session, for at most `maxSessions` sessions (the least recently used are forgotten),
 * each turn cut to at most `maxTurnBytes` of UTF-8 text.
 */
export class ChatHistory {
  readonly #maxTurns: number;
  readonly #maxSessions: number;
  readonly #maxTurnBytes: number;
  readonly #sessions = new Map<string, ChatMessage[]>();

  /**
   * @param maxTurns User/assistant pairs kept per session.
   * @param maxSessions Sessions kept; past it the least recently used is forgotten.
   * @param maxTurnBytes UTF-8 bytes kept of one turn (user and assistant text together).
   */
  constructor(maxTurns: number, maxSessions: number, maxTurnBytes = Infinity) {
    this.#maxTurns = maxTurns;
    this.#maxSessions = maxSessions;
    this.#maxTurnBytes = maxTurnBytes;
  }

  /** The session's messages, oldest first. */
  get(sessionId: string): ChatMessage[] {
    return [...(this.#sessions.get(sessionId) ?? [])];
  }

  /** Appends one turn (text only: images are not kept) and trims to the limits. */
  add(sessionId: string, user: string, assistant: string): void {
    const messages = this.#sessions.get(sessionId) ?? [];
    this.#sessions.delete(sessionId); // re-insert to mark as most recently used
    const [userKept, assistantKept] = boundTurn(user, assistant, this.#maxTurnBytes);
    messages.push({ role: "user", content: userKept }, { role: "assistant", content: assistantKept });
    if (messages.length > this.#maxTurns * 2) messages.splice(0, messages.length - this.#maxTurns * 2);
    this.#sessions.set(sessionId, messages);
    if (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
  }

  /** How many sessions have history. */
  get size(): number {
    return this.#sessions.size;
  }
}

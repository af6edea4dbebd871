/** A Chat Completions message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string | unknown[];
}

/**
 * Per-session chat history in memory: the last `maxTurns` user/assistant pairs of each
 * session, for at most `maxSessions` sessions (the least recently used are forgotten).
 */
export class ChatHistory {
  readonly #maxTurns: number;
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, ChatMessage[]>();

  constructor(maxTurns: number, maxSessions: number) {
    this.#maxTurns = maxTurns;
    this.#maxSessions = maxSessions;
  }

  /** The session's messages, oldest first. */
  get(sessionId: string): ChatMessage[] {
    return [...(this.#sessions.get(sessionId) ?? [])];
  }

  /** Appends one turn (text only: images are not kept) and trims to the limits. */
  add(sessionId: string, user: string, assistant: string): void {
    const messages = this.#sessions.get(sessionId) ?? [];
    this.#sessions.delete(sessionId); // re-insert to mark as most recently used
    messages.push({ role: "user", content: user }, { role: "assistant", content: assistant });
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

/** What the agent is asked: one user message in one session. */
export interface AgentRequest {
  sessionId: string;
  content: string;
  /** Inline `data:image/...;base64` URLs. */
  media: readonly string[];
}

/** One step of a reply: the full text so far (not a delta), and media when there is any. */
export interface AgentChunk {
  text: string;
  media?: readonly string[];
}

/**
 * An agent: turns a request into reply snapshots; the last one is the final reply.
 * A streaming agent returns an async iterable; one that has the whole answer at once (echo)
 * returns a plain iterable, which the channel sends without waiting a turn.
 */
export interface Agent {
  /** `echo` or `openai`. */
  readonly provider: string;
  /** The model name, or "" for echo. */
  readonly model: string;
  /**
   * Streams the reply. Each chunk holds the full text so far.
   * @throws {PicoclawError} `agent_error`, saying what failed without any secret.
   */
  reply(request: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> | Iterable<AgentChunk>;
}

import type { Agent, AgentChunk } from "../agent/mod.ts";
import type { SessionLock } from "../cluster/mod.ts";
import type { HistoryChannel, HistoryStore } from "../history/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";

/** Requests one session may have waiting for the agent (queued or running). */
export const MAX_QUEUED_PER_SESSION = 64;

/** One user message from any channel. */
export interface UserMessage {
  /** The session it belongs to (`telegram:<chat_id>`, a Pico `session_id`, …). */
  sessionId: string;
  /** Where it came from, as history records it. */
  channel: HistoryChannel;
  content: string;
  /** Inline `data:image/...;base64` URLs, already checked by the channel. */
  media?: readonly string[];
  /** The id the channel gave the message (a Pico frame's `id`); replies name it in `reply_to`. */
  requestId?: string;
  /** Aborts this request's reply (its connection dropped); no assistant row is stored then. */
  signal?: AbortSignal;
}

/** The reply so far, as a sink sees it. */
export interface ReplyProgress {
  messageId: string;
  /** The full text so far (not a delta). */
  content: string;
  /** The model that answers, or "" (echo). */
  model: string;
  /** True for the first piece of the reply (create it), false for later ones (update it). */
  first: boolean;
}

/** The agent's final reply to one request. */
export interface ChatResult {
  session_id: string;
  message_id: string;
  content: string;
}

/** A finished reply, as a sink sees it. */
export interface FinishedReply extends ReplyProgress {
  media?: readonly string[];
}

/**
 * Where a channel wants the pieces of one reply: Pico encodes frames for the session's
 * sockets, Telegram sends then edits a message. Throttling a platform needs lives in the sink.
 * Sinks must not throw; the core calls them synchronously.
 */
export interface ReplySink {
  /** The agent starts on the request (typing). */
  started(): void;
  /** Every chunk of the reply: the full text so far. */
  progress(reply: ReplyProgress): void;
  /** The reply is complete: its final text (and media). `progress` may not have seen this text. */
  finished(reply: FinishedReply): void;
  /** The reply failed; `err` says what failed, without secrets. */
  failed(err: PicoclawError): void;
}

/** What the conversation core needs. */
export interface ConversationOptions {
  agent: Agent;
  /** Where user messages and final replies are kept (SPEC §6). */
  history: HistoryStore;
  /** Logs failures that are not a `PicoclawError` (a bug or an unexpected library error), once a second at most. */
  log: Logger;
  /** Observes each reply's latency (`agent_latency_seconds`). */
  metrics?: Metrics;
  /**
   * A cluster's session lease (SPEC §9): taken before each request runs, given back after its
   * final reply was stored, so one instance at a time runs a session's agent. Absent in one
   * process, where the per-session queue alone keeps the order.
   */
  lock?: SessionLock;
}

/** The per-session queue: replies go out in request order. */
interface SessionQueue {
  tail: Promise<unknown>;
  /** Requests queued or running. */
  queued: number;
}

/**
 * The one conversation core every channel goes through: it stores the user's message, queues
 * it behind the session's earlier requests, runs the agent, hands each reply piece to the
 * channel's sink and stores the final reply. An agent that answers with a plain iterable (echo)
 * is run without any await, so an idle session's echo reply is sent before `converse` returns.
 *
 * @example
 * ```ts
 * const conversation = new Conversation({ agent, history, log });
 * const result = await conversation.converse({ sessionId: "telegram:42", channel: "telegram", content: "hi" }, sink);
 * ```
 */
export class Conversation {
  readonly #options: ConversationOptions;
  readonly #queues = new Map<string, SessionQueue>();
  readonly #abort = new AbortController();

  /** @param options The agent, the history store, the logger and the metrics. */
  constructor(options: ConversationOptions) {
    this.#options = options;
  }

  /** The agent replies come from (the app may hand in a switchable one). */
  get agent(): Agent {
    return this.#options.agent;
  }

  /** Sessions with requests queued or running. */
  get busySessions(): number {
    return this.#queues.size;
  }

  /** Whether the session already has {@link MAX_QUEUED_PER_SESSION} requests waiting (the next is refused). */
  isFull(sessionId: string): boolean {
    return (this.#queues.get(sessionId)?.queued ?? 0) >= MAX_QUEUED_PER_SESSION;
  }

  /**
   * Takes one user message: stores it, then runs the agent in the session's order.
   *
   * @param message The user's message.
   * @param sink Where the reply pieces go.
   * @returns The final reply; rejects with the `PicoclawError` the sink was told of.
   * @throws {PicoclawError} `rate_limited` (synchronously, nothing stored) when the session
   *   already has {@link MAX_QUEUED_PER_SESSION} requests waiting.
   */
  converse(message: UserMessage, sink: ReplySink): Promise<ChatResult> {
    let queue = this.#queues.get(message.sessionId);
    if (this.isFull(message.sessionId)) {
      throw new PicoclawError("rate_limited", "Too many messages are waiting for the agent in this session");
    }
    const { requestId } = message;
    this.#options.history.append({
      session_id: message.sessionId,
      role: "user",
      content: message.content,
      message_id: requestId !== undefined && requestId.length <= 128 ? requestId : crypto.randomUUID(),
      channel: message.channel,
    });
    const lock = this.#options.lock;
    const start = lock ? () => this.#runLocked(lock, message, sink) : () => this.#run(message, sink);
    if (!queue) {
      queue = { tail: Promise.resolve(), queued: 0 };
      this.#queues.set(message.sessionId, queue);
    }
    // An idle session runs at once; a busy one waits for its earlier requests (in order).
    const run = queue.queued === 0 ? start() : queue.tail.then(start);
    queue.queued++;
    const settled = queue;
    const settle = () => {
      if (--settled.queued === 0 && this.#queues.get(message.sessionId) === settled) {
        this.#queues.delete(message.sessionId);
      }
    };
    // Also marks a rejection as handled: the sink was already told.
    queue.tail = run.then(settle, settle);
    return run;
  }

  /** Aborts every running reply (shutdown). */
  close(): void {
    this.#abort.abort();
  }

  /** Runs one request holding the session's lease (cluster); at once when this instance holds it already. */
  #runLocked(lock: SessionLock, message: UserMessage, sink: ReplySink): Promise<ChatResult> {
    const signal = message.signal ? AbortSignal.any([this.#abort.signal, message.signal]) : this.#abort.signal;
    const held = lock.acquire(message.sessionId, signal);
    if (typeof held === "function") return this.#runHolding(held, message, sink);
    return held.then((release) => this.#runHolding(release, message, sink), (err) => {
      const failure = err instanceof PicoclawError ? err : new PicoclawError("agent_error", "The agent failed");
      sink.failed(failure);
      throw failure;
    });
  }

  #runHolding(release: () => void, message: UserMessage, sink: ReplySink): Promise<ChatResult> {
    const run = this.#run(message, sink);
    run.then(release, release);
    return run;
  }

  #run(message: UserMessage, sink: ReplySink): Promise<ChatResult> {
    const reply = new ReplyRun(this.#options, message, sink);
    const signal = message.signal ? AbortSignal.any([this.#abort.signal, message.signal]) : this.#abort.signal;
    try {
      const chunks = this.#options.agent.reply(
        { sessionId: message.sessionId, content: message.content, media: message.media ?? [] },
        signal,
      );
      if (Symbol.iterator in chunks) {
        for (const chunk of chunks) reply.chunk(chunk);
        return Promise.resolve(reply.finish(signal));
      }
      return (async () => {
        try {
          for await (const chunk of chunks) reply.chunk(chunk);
          return reply.finish(signal);
        } catch (err) {
          throw reply.fail(err);
        }
      })();
    } catch (err) {
      return Promise.reject(reply.fail(err));
    }
  }
}

/** One reply in progress: tells the sink, then stores the final text. */
class ReplyRun {
  readonly #options: ConversationOptions;
  readonly #message: UserMessage;
  readonly #sink: ReplySink;
  readonly #started = performance.now();
  readonly #messageId = crypto.randomUUID();
  readonly #model: string;
  #first = true;
  #latest = "";
  #media?: readonly string[];

  constructor(options: ConversationOptions, message: UserMessage, sink: ReplySink) {
    this.#options = options;
    this.#message = message;
    this.#sink = sink;
    this.#model = options.agent.model;
    sink.started();
  }

  chunk(chunk: AgentChunk): void {
    this.#latest = chunk.text;
    this.#media = chunk.media ?? this.#media;
    this.#sink.progress({ messageId: this.#messageId, content: chunk.text, model: this.#model, first: this.#first });
    this.#first = false;
  }

  /** @throws {PicoclawError} `agent_error` when the request was aborted (nothing is stored or sent). */
  finish(signal: AbortSignal): ChatResult {
    if (signal.aborted) throw new PicoclawError("agent_error", "The request was cancelled");
    const content = this.#latest;
    this.#sink.finished({
      messageId: this.#messageId,
      content,
      model: this.#model,
      first: this.#first,
      media: this.#media,
    });
    this.#observe();
    this.#options.history.append({
      session_id: this.#message.sessionId,
      role: "assistant",
      content,
      message_id: this.#messageId,
      channel: this.#message.channel,
      model_name: this.#model || null,
    });
    return { session_id: this.#message.sessionId, message_id: this.#messageId, content };
  }

  fail(err: unknown): PicoclawError {
    if (!(err instanceof PicoclawError)) {
      // Answered as agent_error without detail; logged with the error's message only (no secrets).
      this.#options.log.refusal("agent_unexpected", "error", "agent failed unexpectedly", { error: err });
    }
    const failure = err instanceof PicoclawError ? err : new PicoclawError("agent_error", "The agent failed");
    this.#sink.failed(failure);
    this.#observe();
    return failure;
  }

  #observe(): void {
    this.#options.metrics?.agentLatency.observe((performance.now() - this.#started) / 1000);
  }
}

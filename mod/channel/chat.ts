import type { Agent, AgentChunk } from "../agent/mod.ts";
import type { HistoryChannel, HistoryStore } from "../history/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { ChatRequest } from "../pico/mod.ts";
import { encodeServerFrame, toErrorFrame } from "../pico/mod.ts";
import type { PicoSocket } from "./connection.ts";

/** At most this many `message.update` frames per second per reply (SPEC §3.3: ~10/s). */
const UPDATE_INTERVAL_MS = 100;

/** The agent's final reply to one request. */
export interface ChatResult {
  session_id: string;
  message_id: string;
  content: string;
}

/** A chat session: its open sockets and its queue, so replies go out in request order. */
export class Session {
  readonly id: string;
  /** The id as a JSON string, serialised once for every frame of the session. */
  readonly idJson: string;
  readonly sockets = new Set<PicoSocket>();
  /** Settles when the session's last queued request is done. */
  queue: Promise<unknown> = Promise.resolve();
  /** Requests queued or running. */
  queued = 0;

  constructor(id: string) {
    this.id = id;
    this.idJson = JSON.stringify(id);
  }
}

/** What `runChat()` needs from the channel. */
export interface ChatContext {
  agent: Agent;
  /** The final reply of each request is kept here. */
  history: HistoryStore;
  /** Sends one frame (JSON text) to every socket of the session. */
  broadcast: (session: Session, frame: string) => void;
  /** Aborted when the channel shuts down. */
  signal: AbortSignal;
  /** Called with the seconds the agent took. */
  observeLatency: (seconds: number) => void;
  /** Told of a failure that is not a `PicoclawError` (a bug or an unexpected library error), to log it. */
  reportUnexpected?: (err: unknown) => void;
}

/** Turns agent chunks into frames for one reply: create, throttled updates, media, typing.stop. */
class ReplyWriter {
  readonly #ctx: ChatContext;
  readonly #session: Session;
  readonly #requestId?: string;
  readonly #channel: HistoryChannel;
  readonly #started = performance.now();
  readonly messageId = crypto.randomUUID();
  #created = false;
  #latest = "";
  #sent = "";
  #sentAt = 0;
  #media?: readonly string[];

  constructor(ctx: ChatContext, session: Session, channel: HistoryChannel, requestId?: string) {
    this.#ctx = ctx;
    this.#session = session;
    this.#channel = channel;
    this.#requestId = requestId;
    this.#frame("typing.start", "{}");
  }

  #frame(type: string, payloadJson: string): void {
    this.#ctx.broadcast(this.#session, encodeServerFrame(type, this.#session.idJson, payloadJson));
  }

  #contentFrame(type: "message.create" | "message.update", content: string): void {
    const create = type === "message.create";
    const model = create && this.#ctx.agent.model ? this.#ctx.agent.model : undefined;
    // SPEC §3.2: a reply names the request it answers, so a Pico client can tell its own echoes.
    const replyTo = create ? this.#requestId : undefined;
    this.#frame(type, JSON.stringify({ message_id: this.messageId, content, model_name: model, reply_to: replyTo }));
    this.#sent = content;
    this.#sentAt = performance.now();
  }

  /** One chunk: the first becomes `message.create`, later ones `message.update` at most every 100 ms. */
  chunk(chunk: AgentChunk): void {
    this.#latest = chunk.text;
    this.#media = chunk.media ?? this.#media;
    if (!this.#created) {
      this.#created = true;
      this.#contentFrame("message.create", chunk.text);
    } else if (chunk.text !== this.#sent && performance.now() - this.#sentAt >= UPDATE_INTERVAL_MS) {
      this.#contentFrame("message.update", chunk.text);
    }
  }

  /** The end of the reply: the final text if an update was held back, media, `typing.stop`. */
  finish(): ChatResult {
    if (!this.#created) this.#contentFrame("message.create", "");
    else if (this.#sent !== this.#latest) this.#contentFrame("message.update", this.#latest);
    if (this.#media && this.#media.length > 0) {
      this.#frame("media.create", JSON.stringify({ message_id: this.messageId, media: this.#media }));
    }
    this.#end();
    this.#ctx.history.append({
      session_id: this.#session.id,
      role: "assistant",
      content: this.#latest,
      message_id: this.messageId,
      channel: this.#channel,
      model_name: this.#ctx.agent.model || null,
    });
    return { session_id: this.#session.id, message_id: this.messageId, content: this.#latest };
  }

  /** A failed reply: an `error` frame (`agent_error`, with `request_id`), then `typing.stop`. */
  fail(err: unknown): PicoclawError {
    if (!(err instanceof PicoclawError)) this.#ctx.reportUnexpected?.(err);
    const failure = err instanceof PicoclawError ? err : new PicoclawError("agent_error", "The agent failed");
    this.#ctx.broadcast(this.#session, toErrorFrame(failure, this.#session.id, this.#requestId));
    this.#end();
    return failure;
  }

  #end(): void {
    this.#frame("typing.stop", "{}");
    this.#ctx.observeLatency((performance.now() - this.#started) / 1000);
  }
}

/**
 * Runs one request through the agent and sends the session `typing.start`, then
 * `message.create` (first chunk) and throttled `message.update`s (full text so far),
 * `media.create` when the reply has media, and finally `typing.stop`. On failure the
 * session gets an `error` frame (`agent_error`, with `request_id`) before `typing.stop`.
 * An agent that answers with a plain iterable (echo) is handled without any await. The final
 * reply is kept in the history (a failed one is not).
 *
 * @returns The final reply; rejects with `agent_error` (after the error frame is sent).
 */
export function runChat(
  ctx: ChatContext,
  session: Session,
  request: ChatRequest,
  channel: HistoryChannel,
  requestId?: string,
): Promise<ChatResult> {
  const writer = new ReplyWriter(ctx, session, channel, requestId);
  try {
    const chunks = ctx.agent.reply(
      { sessionId: session.id, content: request.content, media: request.media },
      ctx.signal,
    );
    if (Symbol.iterator in chunks) {
      for (const chunk of chunks) writer.chunk(chunk);
      return Promise.resolve(writer.finish());
    }
    return (async () => {
      try {
        for await (const chunk of chunks) writer.chunk(chunk);
        return writer.finish();
      } catch (err) {
        throw writer.fail(err);
      }
    })();
  } catch (err) {
    return Promise.reject(writer.fail(err));
  }
}

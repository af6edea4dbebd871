import type { Conversation, FinishedReply, ReplySink } from "../conversation/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type AgentJob, AgentQueue } from "./_agent_queue.ts";
import type { RecentIds } from "./_recent_ids.ts";
import { type RemoteMessage, RemoteStreams } from "./_remote_stream.ts";
import { encodeClientFrame, inlineImage, parseServerFrame, type ServerFrame } from "./frames.ts";

/** At most this many remote messages wait for the agent (SPEC §4). */
export const MAX_WAITING = 64;
/** Streamed messages open at once; past that the oldest ends early. */
const MAX_OPEN_MESSAGES = 4;
/** Media items kept per remote message. */
const MAX_MEDIA = 16;

/** The agent context of a remote session: never the same as a local session (SPEC §4). */
export function agentSessionId(remoteSessionId: string): string {
  return `pico_client:${remoteSessionId}`;
}

/** What one connection to the remote needs. */
export interface RemoteLinkOptions {
  /** Sends a frame on this connection; false when the socket is no longer open. */
  send: (frame: string) => boolean;
  /** Runs the local agent and keeps the history (channel `pico_client`). */
  conversation: Conversation;
  log: Logger;
  /** The session for frames that name none (the configured `session_id`). */
  defaultSessionId: string;
  /** Frames longer than this many bytes are dropped. */
  maxFrameBytes: number;
  /** Quiet period that ends a streamed message when the remote sends no typing frames. */
  quietMs: number;
  /** Ids of the client's own recent `message.send`s (the loop guard), shared across connections. */
  sentIds: RecentIds;
}

/**
 * One live connection to the remote: reads its frames with the shared codec, puts streamed
 * replies together, and runs complete messages through the local agent one at a time,
 * sending each answer back as `message.send` with a fresh `id`. `close()` ends all of it:
 * open streams, waiting messages and the running agent call (aborted).
 */
export class RemoteLink {
  readonly #options: RemoteLinkOptions;
  readonly #streams: RemoteStreams;
  readonly #queue: AgentQueue;

  /** @param options The socket's sender, the agent, and the bounds. */
  constructor(options: RemoteLinkOptions) {
    this.#options = options;
    this.#queue = new AgentQueue({
      max: MAX_WAITING,
      run: (job, signal) => this.#answer(job, signal),
      log: options.log,
    });
    this.#streams = new RemoteStreams({
      quietMs: options.quietMs,
      typingQuietMs: Math.max(options.quietMs, 60_000),
      maxOpen: MAX_OPEN_MESSAGES,
      maxMedia: MAX_MEDIA,
      onMessage: (message) => this.#complete(message),
    });
  }

  /** Handles one text frame from the remote. */
  onFrame(text: string): void {
    if (text.length > this.#options.maxFrameBytes || Buffer.byteLength(text) > this.#options.maxFrameBytes) {
      this.#options.log.debug("pico client: dropped a frame over max_message_bytes", {
        bytes: Buffer.byteLength(text),
      });
      return;
    }
    let frame: ServerFrame;
    try {
      frame = parseServerFrame(text);
    } catch {
      this.#options.log.debug("pico client: ignored a frame that is not a Pico frame");
      return;
    }
    const sessionId = frame.session_id ?? this.#options.defaultSessionId;
    const payload = frame.payload ?? {};
    switch (frame.type) {
      case "ping":
        this.#options.send(encodeClientFrame("pong", { id: frame.id }));
        return;
      case "message.create":
        if (payload.kind === "thought") return this.#streams.ignore(payload.message_id);
        if (payload.reply_to !== undefined && this.#options.sentIds.has(payload.reply_to)) {
          this.#options.log.debug("pico client: ignored the remote's answer to our own message", {
            reply_to: payload.reply_to,
          });
          return this.#streams.ignore(payload.message_id);
        }
        // A placeholder opens the message empty: only its update (the real text) counts.
        return this.#streams.create(sessionId, payload.message_id, payload.placeholder ? "" : payload.content ?? "");
      case "message.update":
        return this.#streams.update(payload.message_id, payload.content ?? "");
      case "media.create":
        return this.#streams.addMedia(sessionId, payload.message_id, payload.media ?? []);
      case "message.delete":
        return this.#streams.ignore(payload.message_id);
      case "typing.start":
        return this.#streams.typingStart(sessionId);
      case "typing.stop":
        return this.#streams.typingStop(sessionId);
    }
  }

  /** The connection is gone: drops open streams and waiting messages, aborts the running agent call. */
  close(): void {
    this.#streams.close();
    this.#queue.close();
  }

  #complete(message: RemoteMessage): void {
    const media = message.media.map(inlineImage).filter((url): url is string => url !== undefined);
    if (media.length < message.media.length) {
      this.#options.log.debug("pico client: dropped remote media that is not an inline data:image base64 URL", {
        dropped: message.media.length - media.length,
      });
    }
    if (message.text.trim() === "" && media.length === 0) return;
    this.#queue.push({ sessionId: message.sessionId, content: message.text, media });
  }

  async #answer(job: AgentJob, signal: AbortSignal): Promise<void> {
    const sessionId = agentSessionId(job.sessionId);
    const message = { sessionId, channel: "pico_client" as const, content: job.content, media: job.media, signal };
    await this.#options.conversation.converse(message, new AnswerSink(job.sessionId, this.#options));
  }
}

/** Sends the final reply back to the remote as one `message.send` (nothing while it streams). */
class AnswerSink implements ReplySink {
  readonly #remoteSessionId: string;
  readonly #options: RemoteLinkOptions;

  constructor(remoteSessionId: string, options: RemoteLinkOptions) {
    this.#remoteSessionId = remoteSessionId;
    this.#options = options;
  }

  started(): void {}
  progress(): void {}
  failed(): void {}

  finished(reply: FinishedReply): void {
    const payload = reply.media?.length ? { content: reply.content, media: reply.media } : { content: reply.content };
    // Remembered before sending: the remote's answer may come back before send() returns.
    this.#options.sentIds.add(reply.messageId);
    const frame = encodeClientFrame("message.send", {
      id: reply.messageId,
      session_id: this.#remoteSessionId,
      payload,
    });
    this.#options.send(frame);
  }
}

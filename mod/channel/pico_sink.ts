import type { FinishedReply, ReplyProgress, ReplySink } from "../conversation/mod.ts";
import type { PicoclawError } from "../errors/mod.ts";
import { encodeServerFrame, toErrorFrame } from "../pico/mod.ts";

/** At most this many `message.update` frames per second per reply (SPEC §3.3: ~10/s). */
const UPDATE_INTERVAL_MS = 100;

/** A session as the sink sees it: its id, serialised once for every frame. */
export interface SinkSession {
  readonly id: string;
  readonly idJson: string;
}

/**
 * The Pico channel's `ReplySink` for one request: `typing.start`, then `message.create` (first
 * piece, with `reply_to`), `message.update`s at most every 100 ms (the final text always goes
 * out), `media.create`, `typing.stop`; on failure an `error` frame (with `request_id`) before
 * `typing.stop`. Frames go to `send`, which fans them out to the session's sockets.
 */
export class PicoReplySink implements ReplySink {
  readonly #session: SinkSession;
  readonly #send: (frame: string) => void;
  readonly #requestId?: string;
  #sent: string | undefined;
  #sentAt = 0;

  /**
   * @param session The session the frames are for.
   * @param send Sends one encoded frame to every socket of the session.
   * @param requestId The `id` of the `message.send` being answered (`reply_to`, `request_id`).
   */
  constructor(session: SinkSession, send: (frame: string) => void, requestId?: string) {
    this.#session = session;
    this.#send = send;
    this.#requestId = requestId;
  }

  #frame(type: string, payloadJson: string): void {
    this.#send(encodeServerFrame(type, this.#session.idJson, payloadJson));
  }

  #content(reply: ReplyProgress, create: boolean): void {
    const payload = create
      ? {
        message_id: reply.messageId,
        content: reply.content,
        model_name: reply.model || undefined,
        // SPEC §3.2: a reply names the request it answers, so a Pico client can tell its own echoes.
        reply_to: this.#requestId,
      }
      : { message_id: reply.messageId, content: reply.content };
    this.#frame(create ? "message.create" : "message.update", JSON.stringify(payload));
    this.#sent = reply.content;
    this.#sentAt = performance.now();
  }

  started(): void {
    this.#frame("typing.start", "{}");
  }

  progress(reply: ReplyProgress): void {
    if (reply.first) this.#content(reply, true);
    else if (reply.content !== this.#sent && performance.now() - this.#sentAt >= UPDATE_INTERVAL_MS) {
      this.#content(reply, false);
    }
  }

  finished(reply: FinishedReply): void {
    if (reply.first) this.#content(reply, true);
    else if (this.#sent !== reply.content) this.#content(reply, false);
    if (reply.media && reply.media.length > 0) {
      this.#frame("media.create", JSON.stringify({ message_id: reply.messageId, media: reply.media }));
    }
    this.#frame("typing.stop", "{}");
  }

  failed(err: PicoclawError): void {
    this.#send(toErrorFrame(err, this.#session.id, this.#requestId));
    this.#frame("typing.stop", "{}");
  }
}

import type { FinishedReply, ReplyProgress, ReplySink } from "../conversation/mod.ts";
import type { PicoclawError } from "../errors/mod.ts";
import { splitText } from "./split_text.ts";

/** The three calls a send-then-edit chat platform (Telegram, Discord) offers for one chat. */
export interface ChatTarget {
  /** Shows "typing…" in the chat (best effort). */
  typing(): Promise<void>;
  /** Sends a new message and returns its id. */
  send(text: string): Promise<string>;
  /** Replaces the text of a message sent before. */
  edit(messageId: string, text: string): Promise<void>;
}

/** How an `EditingReplySink` behaves. */
export interface EditingSinkOptions {
  /** The platform's message limit (Telegram 4096, Discord 2000); longer replies are split. */
  maxChars: number;
  /** At most one edit per this many ms while the agent streams (SPEC §8: once a second). @default 1000 */
  editIntervalMs?: number;
  /** Told of a failed platform call (after the platform layer's own retries); the reply goes on. */
  onError: (err: unknown) => void;
}

/** What is sent for an empty reply: the platforms refuse empty messages. */
export const EMPTY_REPLY = "(no answer)";

/**
 * A `ReplySink` for chat platforms that send a message and then edit it: "typing" when the agent
 * starts, the first piece as a new message, later pieces as edits at most once per
 * `editIntervalMs`, and at the end the final text, split into several messages when it is longer
 * than the platform allows. Every platform call runs in order, one at a time; `done` settles
 * when the last one has.
 *
 * @example
 * ```ts
 * const sink = new EditingReplySink(target, { maxChars: 4096, onError: (e) => log.warn("send failed", { error: e }) });
 * await conversation.converse({ sessionId: `telegram:${chatId}`, channel: "telegram", content }, sink);
 * await sink.done;
 * ```
 */
export class EditingReplySink implements ReplySink {
  readonly #target: ChatTarget;
  readonly #maxChars: number;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #chain: Promise<void> = Promise.resolve();
  /** The message being edited, once sent. */
  #messageId: string | undefined;
  /** The text the platform shows now. */
  #shown = "";
  #latest = "";
  #lastCallAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;

  /**
   * @param target The chat the reply goes to.
   * @param options The message limit, the edit interval and the error hook.
   */
  constructor(target: ChatTarget, options: EditingSinkOptions) {
    this.#target = target;
    this.#maxChars = options.maxChars;
    this.#intervalMs = options.editIntervalMs ?? 1000;
    this.#onError = options.onError;
  }

  /** Settles when every platform call of this reply has been made. */
  get done(): Promise<void> {
    return this.#chain;
  }

  started(): void {
    this.#enqueue(() => this.#target.typing());
  }

  progress(reply: ReplyProgress): void {
    this.#latest = reply.content;
    if (this.#ended || reply.content === "") return;
    if (reply.first) {
      this.#enqueue(() => this.#show(this.#latest));
    } else if (!this.#timer) {
      const wait = Math.max(0, this.#lastCallAt + this.#intervalMs - Date.now());
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#ended) this.#enqueue(() => this.#show(this.#latest));
      }, wait);
    }
  }

  finished(reply: FinishedReply): void {
    this.#end();
    const pieces = splitText(reply.content === "" ? EMPTY_REPLY : reply.content, this.#maxChars);
    this.#enqueue(async () => {
      await this.#show(pieces[0]);
      for (const piece of pieces.slice(1)) await this.#target.send(piece);
    });
  }

  failed(err: PicoclawError): void {
    this.#end();
    this.#enqueue(() => this.#target.send(`Sorry, the assistant failed: ${err.message}`).then(() => {}));
  }

  #end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Shows `text` (cut to the limit while streaming) in the reply's message: sends it first, edits it after. */
  async #show(text: string): Promise<void> {
    const visible = text.length > this.#maxChars ? text.slice(0, this.#maxChars) : text;
    if (visible === this.#shown) return;
    this.#lastCallAt = Date.now();
    if (this.#messageId === undefined) this.#messageId = await this.#target.send(visible);
    else await this.#target.edit(this.#messageId, visible);
    this.#shown = visible;
  }

  #enqueue(call: () => Promise<unknown>): void {
    this.#chain = this.#chain.then(call).then(() => {}, (err) => this.#onError(err));
  }
}

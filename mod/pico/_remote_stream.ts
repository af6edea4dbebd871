import { RecentIds } from "./_recent_ids.ts";

/** A remote message, complete: what goes to the local agent. */
export interface RemoteMessage {
  sessionId: string;
  text: string;
  /** Media items as the remote sent them, not yet checked. */
  media: unknown[];
}

/** What `RemoteStreams` needs. */
export interface RemoteStreamsOptions {
  /** A message ends this long after its last update when its session sends no typing frames. */
  quietMs: number;
  /** The same while the session is typing (a `typing.stop` is expected to end it sooner). */
  typingQuietMs: number;
  /** At most this many messages stay open; past that the oldest one ends at once. */
  maxOpen: number;
  /** At most this many media items are buffered per message. */
  maxMedia: number;
  /** Called once per message with its final text. */
  onMessage: (message: RemoteMessage) => void;
}

interface OpenMessage extends RemoteMessage {
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Puts streamed remote replies back together (SPEC §4): a `message.create` opens a message,
 * `message.update`s of its `message_id` replace its text, `media.create` adds media, and the
 * message ends, once, with its final text at the session's `typing.stop` or after a quiet
 * period. Bounded: open messages (`maxOpen`), media per message (`maxMedia`), and the ids of
 * ended messages remembered to ignore late updates (256). Text needs no bound of its own:
 * each update replaces it, and a frame is already bounded in size.
 */
export class RemoteStreams {
  readonly #options: RemoteStreamsOptions;
  /** By message id, oldest first. */
  readonly #open = new Map<string, OpenMessage>();
  /** Messages that ended or are ignored: their late frames are dropped. */
  readonly #ended = new RecentIds(256);
  /** Sessions between `typing.start` and `typing.stop` (at most 64: a link carries one or a few). */
  readonly #typing = new Set<string>();
  #anonymous = 0;

  /** @param options Timing, bounds and the callback for complete messages. */
  constructor(options: RemoteStreamsOptions) {
    this.#options = options;
  }

  /** Messages still open. */
  get open(): number {
    return this.#open.size;
  }

  /** Opens a message (`message.create`); a placeholder opens it empty, waiting for its update. */
  create(sessionId: string, messageId: string | undefined, text: string): void {
    const id = messageId ?? `\0anonymous-${this.#anonymous++}`;
    if (this.#ended.has(id) || this.#open.has(id)) return;
    if (this.#open.size >= this.#options.maxOpen) this.#end(this.#open.keys().next().value!);
    this.#open.set(id, { sessionId, text, media: [], timer: this.#timer(id, sessionId) });
  }

  /** Replaces the text of an open message (`message.update`); unknown or ended ids are ignored. */
  update(messageId: string | undefined, text: string): void {
    const message = messageId === undefined ? undefined : this.#open.get(messageId);
    if (!message) return;
    message.text = text;
    this.#rearm(messageId!, message);
  }

  /** Adds media to an open message, or opens a media-only one (`media.create`). */
  addMedia(sessionId: string, messageId: string | undefined, media: unknown[]): void {
    if (messageId !== undefined && this.#ended.has(messageId)) return;
    if (messageId === undefined || !this.#open.has(messageId)) this.create(sessionId, messageId, "");
    const message = messageId === undefined ? [...this.#open.values()].at(-1)! : this.#open.get(messageId)!;
    const room = this.#options.maxMedia - message.media.length;
    message.media.push(...media.slice(0, Math.max(0, room)));
    if (messageId !== undefined) this.#rearm(messageId, message);
  }

  /** Never hands this message to the agent (a loop-guarded echo, a thought, a deleted message). */
  ignore(messageId: string | undefined): void {
    if (messageId === undefined) return;
    const message = this.#open.get(messageId);
    if (message) clearTimeout(message.timer);
    this.#open.delete(messageId);
    this.#ended.add(messageId);
  }

  /** `typing.start`: the session's messages now end at its `typing.stop`. */
  typingStart(sessionId: string): void {
    this.#typing.add(sessionId);
    if (this.#typing.size > 64) this.#typing.delete(this.#typing.values().next().value!);
  }

  /** `typing.stop`: ends every open message of the session. */
  typingStop(sessionId: string): void {
    this.#typing.delete(sessionId);
    for (const [id, message] of [...this.#open]) if (message.sessionId === sessionId) this.#end(id);
  }

  /** Drops every open message without handing it on (the connection is gone). */
  close(): void {
    for (const message of this.#open.values()) clearTimeout(message.timer);
    this.#open.clear();
  }

  #timer(id: string, sessionId: string): ReturnType<typeof setTimeout> {
    const delay = this.#typing.has(sessionId) ? this.#options.typingQuietMs : this.#options.quietMs;
    return setTimeout(() => this.#end(id), delay);
  }

  #rearm(id: string, message: OpenMessage): void {
    clearTimeout(message.timer);
    message.timer = this.#timer(id, message.sessionId);
  }

  #end(id: string): void {
    const message = this.#open.get(id);
    if (!message) return;
    clearTimeout(message.timer);
    this.#open.delete(id);
    this.#ended.add(id);
    this.#options.onMessage({ sessionId: message.sessionId, text: message.text, media: message.media });
  }
}

import type { Api } from "grammy";
import type { Message, Update } from "grammy/types";
import {
  type ChatAppState,
  type ChatAppStatus,
  type ChatTarget,
  EditingReplySink,
  notAllowedAnswer,
  senderVerdict,
} from "../chat_app/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Conversation } from "../conversation/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { Backoff, type BackoffOptions } from "../backoff/mod.ts";
import { classifyApiError } from "./api_errors.ts";
import { chatTarget, forGrammy, sleep } from "./chat_target.ts";
import { readOffset, writeOffset } from "./offset_file.ts";

/** `channels.telegram` as the schema gives it. */
export type TelegramSettings = Config["channels"]["telegram"];

/** Telegram's message limit (characters). */
export const TELEGRAM_MAX_CHARS = 4096;
/** Text taken from one incoming message; the rest is cut (Telegram itself sends at most 4096). */
export const MAX_INCOMING_CHARS = 16 * 1024;
/** Senders remembered as already told that `allow_from` is empty (one answer each). */
const MAX_TOLD = 1000;
/** How long `stop()` waits to confirm the handled updates to Telegram. */
const ACK_WAIT_MS = 1000;

/** What the Telegram channel needs. */
export interface TelegramChannelOptions {
  /** `channels.telegram`, read afresh at each (re)start. */
  settings: () => TelegramSettings;
  /** Runs the agent and keeps the history (channel `telegram`, session `telegram:<chat_id>`). */
  conversation: Conversation;
  log: Logger;
  /** Where the last handled update id is kept between runs; none = rely on Telegram's offset only. */
  offsetFile?: string;
  /** getUpdates long-poll seconds. @default 30 */
  pollTimeoutS?: number;
  /** Wait after a 401 before trying the token again. @default 60_000 */
  authRetryMs?: number;
  /** Backoff after network drops and 5xx. @default 1 s doubling to 60 s */
  backoff?: BackoffOptions;
  /** At most one edit of a streaming reply per this many ms. @default 1000 */
  editIntervalMs?: number;
}

/**
 * The Telegram channel (SPEC §8): long-polls the Bot API with grammy's `Api` client
 * (`getUpdates`, `timeout` 30 s), hands each text message from an allowed sender to the
 * conversation core (session `telegram:<chat_id>`), and answers through an
 * `EditingReplySink` (typing, `sendMessage`, `editMessageText` at most once a second, split at
 * 4 096 characters).
 *
 * Offsets: before a batch of updates is handled, its last `update_id` is stored atomically in
 * `offsetFile`, and the next `getUpdates` asks for `offset = last + 1`, which confirms the batch to
 * Telegram; `stop()` confirms the last batch too. After a kill -9 the stored id still holds, so
 * an update is handled at most once: one that was being answered at the kill gets no answer
 * rather than two.
 *
 * Faults: 401 → `auth_failed`, retried every `authRetryMs`; 429 → waits `retry_after`;
 * network drops and 5xx → `retrying` with backoff. Errors are described without the token.
 *
 * @example
 * ```ts
 * const telegram = new TelegramChannel({ settings: () => store.config.channels.telegram, conversation, log });
 * telegram.start();
 * await telegram.stop();
 * ```
 */
export class TelegramChannel {
  readonly #options: TelegramChannelOptions;
  readonly #log: Logger;
  #state: ChatAppState = "disabled";
  #lastError: string | null = null;
  #bot: string | null = null;
  #controller?: AbortController;
  #loop: Promise<void> = Promise.resolve();
  /** Serializes start/stop/reconfigure. */
  #lifecycle: Promise<void> = Promise.resolve();
  readonly #told = new Set<number>();
  /** Chats told that their queue is full, until one of their replies ends. */
  readonly #toldBusy = new Set<number>();

  /** @param options Settings, the conversation core, the logger and test timings. */
  constructor(options: TelegramChannelOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** `/api/status` `telegram`. */
  status(): ChatAppStatus {
    return {
      enabled: this.#options.settings().enabled,
      state: this.#state,
      last_error: this.#lastError,
      bot: this.#bot,
    };
  }

  /** Starts polling when `channels.telegram.enabled` (else the state is `disabled`). */
  start(): void {
    this.#lifecycle = this.#lifecycle.then(() => this.#start());
  }

  /** Stops polling and confirms the handled updates to Telegram (at most 1 s). */
  stop(): Promise<void> {
    this.#lifecycle = this.#lifecycle.then(() => this.#stop());
    return this.#lifecycle;
  }

  /** Restarts with the current settings (the dashboard changed them). */
  reconfigure(): Promise<void> {
    this.#lifecycle = this.#lifecycle.then(() => this.#stop()).then(() => this.#start());
    return this.#lifecycle;
  }

  #start(): void {
    const settings = this.#options.settings();
    this.#bot = null;
    if (!settings.enabled) {
      this.#state = "disabled";
      return;
    }
    if (!settings.token.isSet) {
      this.#state = "auth_failed";
      this.#lastError = "No bot token: set channels.telegram.token (dashboard Channels page, .security.yml " +
        "or PICOCLAW_CHANNELS_TELEGRAM_TOKEN)";
      this.#log.warn("telegram not started", { reason: this.#lastError });
      return;
    }
    this.#state = "starting";
    this.#lastError = null;
    const controller = new AbortController();
    this.#controller = controller;
    this.#loop = this.#poll(settings, controller.signal).catch((err) => {
      // A bug in the loop must not take the process down; it is logged without the token.
      this.#state = "retrying";
      this.#lastError = classifyApiError(err, settings.token.reveal()).message;
      this.#log.error("telegram polling stopped", { error: this.#lastError });
    });
  }

  async #stop(): Promise<void> {
    this.#controller?.abort();
    this.#controller = undefined;
    await this.#loop;
    this.#state = "disabled";
  }

  async #poll(settings: TelegramSettings, signal: AbortSignal): Promise<void> {
    const token = settings.token.reveal();
    const pollTimeoutS = this.#options.pollTimeoutS ?? 30;
    // grammy loads only now: a process with Telegram off never pays for it (~12 MB, ~12 ms).
    const { Api } = await import("grammy");
    const api = new Api(token, {
      apiRoot: settings.api_base.replace(/\/+$/, ""),
      // Bun's own fetch; a hung connection is given up after the long poll plus a margin.
      fetch: globalThis.fetch as never,
      timeoutSeconds: pollTimeoutS + 15,
    });
    let backoff = new Backoff(this.#options.backoff);
    let botId: number | undefined;
    let offset: number | undefined;
    let unconfirmed = false;
    while (!signal.aborted) {
      try {
        if (botId === undefined) {
          const me = await api.getMe(forGrammy(signal));
          botId = me.id;
          this.#bot = me.username;
          const stored = this.#options.offsetFile ? await readOffset(this.#options.offsetFile, me.id) : undefined;
          offset = stored !== undefined ? stored + 1 : offset;
          this.#state = "running";
          this.#log.info("telegram bot connected", { bot: me.username });
        }
        const updates = await api.getUpdates(
          { offset, timeout: pollTimeoutS, allowed_updates: ["message"] },
          forGrammy(signal),
        );
        unconfirmed = false;
        this.#state = "running";
        backoff = new Backoff(this.#options.backoff);
        if (updates.length === 0) continue;
        const last = updates[updates.length - 1].update_id;
        // Stored before the batch is handled: after a crash it is not handled again.
        await this.#storeOffset(botId, last);
        offset = last + 1;
        unconfirmed = true;
        for (const update of updates) this.#handle(api, update, signal);
      } catch (err) {
        if (signal.aborted) break;
        const failure = classifyApiError(err, token);
        this.#lastError = failure.message;
        let waitMs: number;
        if (failure.kind === "auth") {
          this.#state = "auth_failed";
          botId = undefined;
          waitMs = this.#options.authRetryMs ?? 60_000;
          this.#log.refusal("telegram_auth", "warn", "telegram refused the bot token", { error: failure.message });
        } else if (failure.kind === "rate_limited") {
          waitMs = failure.retryAfterMs;
          this.#log.warn("telegram rate limit: waiting", { retry_after_ms: waitMs });
        } else {
          this.#state = "retrying";
          waitMs = backoff.next(0);
          this.#log.refusal("telegram_poll", "warn", "telegram polling failed", {
            error: failure.message,
            retry_ms: waitMs,
          });
        }
        await sleep(waitMs, signal);
      }
    }
    if (unconfirmed && offset !== undefined) {
      // Confirms the handled batch to Telegram too (offset = last + 1), so nothing comes twice.
      await api.getUpdates({ offset, limit: 1, timeout: 0 }, forGrammy(AbortSignal.timeout(ACK_WAIT_MS))).catch(
        () => {},
      );
    }
  }

  async #storeOffset(botId: number, updateId: number): Promise<void> {
    if (!this.#options.offsetFile) return;
    try {
      await writeOffset(this.#options.offsetFile, botId, updateId);
    } catch (err) {
      // Telegram's own offset still confirms the batch at the next poll.
      this.#log.refusal("telegram_offset", "warn", "cannot store the telegram offset", { error: err });
    }
  }

  #handle(api: Api, update: Update, signal: AbortSignal): void {
    const message: Message | undefined = update.message;
    if (!message) {
      this.#log.debug("telegram update ignored: not a message", { update_id: update.update_id });
      return;
    }
    if (typeof message.text !== "string" || !message.from || message.from.is_bot) {
      this.#log.debug("telegram message ignored: not text from a user", { chat_id: message.chat.id });
      return;
    }
    const from = message.from;
    const chatId = message.chat.id;
    const settings = this.#options.settings();
    const verdict = senderVerdict(settings.allow_from, [String(from.id), from.username ? `@${from.username}` : ""]);
    const target = chatTarget(api, chatId, { token: settings.token.reveal(), signal, log: this.#log });
    if (verdict === "not_listed") {
      this.#log.debug("telegram sender not in allow_from", { user_id: from.id });
      return;
    }
    if (verdict === "nobody_allowed") {
      this.#log.refusal("telegram_nobody_allowed", "warn", "telegram message refused: allow_from is empty", {
        user_id: from.id,
      });
      if (this.#told.has(from.id)) return;
      if (this.#told.size >= MAX_TOLD) this.#told.clear();
      this.#told.add(from.id);
      this.#reply(target, notAllowedAnswer(String(from.id), "channels.telegram.allow_from"));
      return;
    }
    const sink = new EditingReplySink(target, {
      maxChars: TELEGRAM_MAX_CHARS,
      editIntervalMs: this.#options.editIntervalMs,
      onError: (err) => this.#warnSend(err, settings),
    });
    try {
      this.#options.conversation.converse({
        sessionId: `telegram:${chatId}`,
        channel: "telegram",
        content: message.text.slice(0, MAX_INCOMING_CHARS),
      }, sink).catch(() => {}).finally(() => this.#toldBusy.delete(chatId));
    } catch (err) {
      if (!(err instanceof PicoclawError) || err.code !== "rate_limited") {
        // Not expected from the core; one bad update must not stop the batch or the polling.
        this.#log.refusal("telegram_handle", "error", "telegram message not handled", { error: err });
        return;
      }
      // The core refuses past 64 waiting requests; the chat hears it once per full queue.
      if (this.#toldBusy.has(chatId)) return;
      this.#toldBusy.add(chatId);
      this.#reply(target, "Too many messages are waiting for an answer in this chat: this one was dropped.");
    }
  }

  #reply(target: ChatTarget, text: string): void {
    const settings = this.#options.settings();
    target.send(text).catch((err) => this.#warnSend(err, settings));
  }

  #warnSend(err: unknown, settings: TelegramSettings): void {
    const failure = classifyApiError(err, settings.token.reveal());
    this.#log.refusal("telegram_send", "warn", "telegram send failed", { error: failure.message });
  }
}

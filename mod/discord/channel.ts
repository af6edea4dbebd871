import type { REST } from "@discordjs/rest";
import {
  type ChatAppState,
  type ChatAppStatus,
  EditingReplySink,
  notAllowedAnswer,
  senderVerdict,
} from "../chat_app/mod.ts";
import { type ConfigStore, hasChanged } from "../config/mod.ts";
import type { Conversation } from "../conversation/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { BackoffOptions } from "../backoff/mod.ts";
import type { DiscordLink } from "./link.ts";
import { type IncomingMessage, readMessage } from "./message.ts";
import { channelTarget, type RestBounds } from "./rest.ts";

/** Discord's message limit. */
export const DISCORD_MAX_CHARS = 2000;

/** Senders remembered as already told that nobody is allowed (then the memory starts over). */
const MAX_TOLD = 1024;

/** What the Discord channel needs. */
export interface DiscordChannelOptions {
  /** `channels.discord` is read live from it: a saved change applies without a restart. */
  store: ConfigStore;
  conversation: Conversation;
  log: Logger;
  /** Wait after a refused token before trying again. @default 60_000 */
  authRetryMs?: number;
  /** Reconnect timing: 1 s doubling to 60 s. */
  backoff?: BackoffOptions;
  /** At most one edit of a streaming reply per this many ms. @default 1000 */
  editIntervalMs?: number;
  /** REST bounds: the longest 429 wait honoured, the deadline of one call. */
  rest?: RestBounds;
}

/**
 * The Discord channel (SPEC §8): answers direct messages and messages that mention the bot,
 * in session `discord:<channel_id>`, through the conversation core; the reply is posted, then
 * edited at most once a second while the agent streams, and split at 2 000 characters.
 * `allow_from` (user ids) is read for every message; a change of `enabled`, `token` or
 * `api_base` reconnects.
 *
 * @example
 * ```ts
 * const discord = new DiscordChannel({ store, conversation, log });
 * discord.start();
 * discord.status(); // { enabled: true, state: "running", last_error: null, bot: "picobot" }
 * await discord.stop();
 * ```
 */
export class DiscordChannel {
  readonly #options: DiscordChannelOptions;
  #link: DiscordLink | undefined;
  #authTimer: ReturnType<typeof setTimeout> | undefined;
  #botId = "";
  #status: ChatAppStatus = { enabled: false, state: "disabled", last_error: null, bot: null };
  #unsubscribe: (() => void) | undefined;
  /** Restarts run one after the other. */
  #restarts: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #told = new Set<string>();
  readonly #busyTold = new Set<string>();

  constructor(options: DiscordChannelOptions) {
    this.#options = options;
  }

  /** Connects when `channels.discord.enabled` is true, and follows config changes from now on. */
  start(): void {
    this.#unsubscribe ??= this.#options.store.subscribe((_next, changed) => {
      const keys = ["enabled", "token", "api_base"] as const;
      if (keys.some((key) => hasChanged(changed, `channels.discord.${key}`))) void this.#restart();
    });
    void this.#restart();
  }

  /** `/api/status` `discord`. */
  status(): ChatAppStatus {
    return { ...this.#status };
  }

  /** Disconnects and stops following the config. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#restarts;
    await this.#disconnect();
  }

  async #disconnect(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
    await link?.stop();
  }

  #restart(): Promise<void> {
    this.#restarts = this.#restarts.then(() => this.#connect());
    return this.#restarts;
  }

  async #connect(): Promise<void> {
    await this.#disconnect();
    if (this.#stopped) return;
    const { enabled, api_base } = this.#options.store.config.channels.discord;
    const token = this.#options.store.config.channels.discord.token.reveal();
    this.#botId = "";
    this.#status = { enabled, state: "disabled", last_error: null, bot: null };
    if (!enabled) return;
    if (token === "") {
      this.#setState("auth_failed", "channels.discord.token is not set");
      return;
    }
    this.#status.state = "starting";
    // The libraries load only now: a process with Discord off never pays for them.
    const [{ createRest }, { DiscordLink }] = await Promise.all([import("./rest_client.ts"), import("./link.ts")]);
    if (this.#stopped) return;
    const rest = createRest(api_base, token, this.#options.rest);
    const link: DiscordLink = new DiscordLink({
      rest,
      token,
      authRetryMs: this.#options.authRetryMs,
      backoff: this.#options.backoff,
      events: {
        state: (state, error) => {
          if (this.#link === link) this.#setState(state, error && scrub(error, token));
        },
        ready: (bot) => {
          if (this.#link !== link) return;
          this.#botId = bot.id;
          this.#status.bot = bot.username;
          this.#options.log.info("discord connected", { bot: bot.username });
        },
        message: (data) => {
          if (this.#link === link) this.#onMessage(data, rest);
        },
      },
    });
    this.#link = link;
    link.start();
  }

  #setState(state: ChatAppState, error: string | null): void {
    const was = this.#status.state;
    this.#status.state = state;
    if (error !== null) this.#status.last_error = error;
    if (state !== was && state !== "running") {
      this.#options.log.warn("discord channel " + state.replace("_", " "), { error: error ?? undefined });
    }
  }

  #onMessage(data: unknown, rest: REST): void {
    if (this.#botId === "") return;
    const message = readMessage(data, this.#botId);
    if (!message) return;
    const { log } = this.#options;
    const verdict = senderVerdict(this.#options.store.config.channels.discord.allow_from, [message.userId]);
    if (verdict === "not_listed") {
      log.debug("discord message ignored: sender not in allow_from", { user: message.userId });
      return;
    }
    const target = channelTarget(rest, message.channelId, this.#options.rest);
    const onError = (err: unknown) => this.#platformError(err);
    if (verdict === "nobody_allowed") {
      // Anyone can DM a bot: at most one such line a second.
      log.refusal("discord_nobody_allowed", "warn", "discord message refused: channels.discord.allow_from is empty", {
        user: message.userId,
      });
      if (this.#told.has(message.userId)) return;
      if (this.#told.size >= MAX_TOLD) this.#told.clear();
      this.#told.add(message.userId);
      target.send(notAllowedAnswer(message.userId, "channels.discord.allow_from")).catch(onError);
      return;
    }
    this.#converse(message, target, onError);
  }

  #converse(message: IncomingMessage, target: ReturnType<typeof channelTarget>, onError: (e: unknown) => void): void {
    const sessionId = `discord:${message.channelId}`;
    const sink = new EditingReplySink(target, {
      maxChars: DISCORD_MAX_CHARS,
      editIntervalMs: this.#options.editIntervalMs,
      onError,
    });
    try {
      this.#options.conversation.converse({ sessionId, channel: "discord", content: message.content }, sink)
        .catch(() => {/* the sink told the chat */});
      this.#busyTold.delete(sessionId);
    } catch (err) {
      if (!(err instanceof PicoclawError && err.code === "rate_limited")) {
        this.#options.log.error("discord message not handled", { error: String(err) });
        return;
      }
      // Answer the first refused message of a flood only.
      if (this.#busyTold.has(sessionId)) return;
      if (this.#busyTold.size >= MAX_TOLD) this.#busyTold.clear();
      this.#busyTold.add(sessionId);
      target.send(`Sorry: ${err.message}. Please wait for the answers.`).catch(onError);
    }
  }

  #platformError(err: unknown): void {
    const token = this.#options.store.config.channels.discord.token.reveal();
    const detail = scrub(err instanceof Error ? err.message : String(err), token);
    const status = (err as { status?: unknown }).status;
    // A failing Discord fails every call: at most one line a second.
    this.#options.log.refusal("discord_call_failed", "warn", "discord call failed", { error: detail });
    if (status === 401 && this.#link && !this.#authTimer) {
      // The token was revoked while connected: reconnect later, which checks it again.
      this.#setState("auth_failed", "Discord answered 401: the bot token was refused");
      void this.#link.stop();
      this.#authTimer = setTimeout(() => void this.#restart(), this.#options.authRetryMs ?? 60_000);
    }
  }
}

/** Takes the token out of a library message (it never should be there; this makes sure). */
function scrub(text: string, token: string): string {
  return token.length >= 8 ? text.replaceAll(token, "***") : text;
}

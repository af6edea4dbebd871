import type { REST } from "@discordjs/rest";
import { type SessionInfo, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import type { ChatAppState } from "../chat_app/mod.ts";
import { INTENTS } from "./message.ts";
import { Backoff, type BackoffOptions } from "../backoff/mod.ts";

/** What a link reports to its channel. */
export interface LinkEvents {
  /** The state changed; `error` is what failed (no secrets), null when nothing did. */
  state(state: ChatAppState, error: string | null): void;
  /** READY: the bot's id and username. */
  ready(bot: { id: string; username: string }): void;
  /** A `MESSAGE_CREATE` dispatch's data. */
  message(data: unknown): void;
}

/** How a link connects and retries. */
export interface LinkOptions {
  rest: REST;
  token: string;
  events: LinkEvents;
  /** Wait after a 401 (or Gateway close 4004) before trying again. @default 60_000 */
  authRetryMs?: number;
  /** Wait after a failed connect or a dropped Gateway: 1 s doubling to 60 s. */
  backoff?: BackoffOptions;
}

/**
 * One bot token's Gateway connection (`@discordjs/ws`): `GET /gateway/bot` for the URL,
 * IDENTIFY with {@link INTENTS}, heartbeats, and after a drop a RESUME with the session id
 * and sequence (the library does these). On top of the library: a 401 is `auth_failed` and
 * retried every `authRetryMs`; a failed connect and every reconnect wait the backoff first
 * (the library alone would redial every 500 ms).
 */
export class DiscordLink {
  readonly #options: LinkOptions;
  readonly #backoff: Backoff;
  #manager: WebSocketManager | undefined;
  #session: SessionInfo | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** When the Gateway last became ready (READY or RESUMED); 0 while it is not. */
  #upSince = 0;
  /** The wait before the library's next dial, set when the Gateway closes. */
  #pendingDelayMs = 0;

  constructor(options: LinkOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
  }

  /** Connects (in the background); failures are retried until `stop()`. */
  start(): void {
    this.#options.events.state("starting", null);
    this.#connect();
  }

  /** Closes the Gateway (1000) and stops retrying. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const manager = this.#manager;
    this.#manager = undefined;
    await Promise.resolve(manager?.destroy({ code: 1000, reason: "stopping" })).catch(() => {});
  }

  #connect(): void {
    if (this.#stopped) return;
    const { rest, token, events } = this.#options;
    // The REST client forgets the token on a 401: give it back for this try.
    rest.setToken(token);
    this.#session = null;
    const manager = new WebSocketManager({
      token,
      intents: INTENTS,
      rest,
      shardCount: 1,
      retrieveSessionInfo: () => this.#sessionBeforeDial(),
      updateSessionInfo: (_shardId, info) => {
        this.#session = info;
      },
    });
    this.#manager = manager;
    manager.on(WebSocketShardEvents.Ready, (data) => {
      this.#up();
      events.ready({ id: data.user.id, username: data.user.username });
    });
    manager.on(WebSocketShardEvents.Resumed, () => this.#up());
    manager.on(WebSocketShardEvents.Dispatch, (payload) => {
      if (payload.t === "MESSAGE_CREATE") events.message(payload.d);
    });
    manager.on(WebSocketShardEvents.Closed, (code) => {
      if (this.#stopped || this.#manager !== manager) return;
      const upFor = this.#upSince === 0 ? 0 : Date.now() - this.#upSince;
      this.#upSince = 0;
      this.#pendingDelayMs = this.#backoff.next(upFor);
      events.state("retrying", `The Discord Gateway closed (${code})`);
    });
    manager.on(WebSocketShardEvents.Error, (err) => {
      if (this.#manager !== manager) return;
      const auth = /Authentication failed/i.test(err.message);
      this.#fail(manager, auth, auth ? "The Discord Gateway refused the bot token (4004)" : err.message);
    });
    manager.connect().catch((err: unknown) => {
      if (this.#manager !== manager) return;
      const status = (err as { status?: unknown }).status;
      const auth = status === 401 || status === 403;
      const detail = auth
        ? `Discord answered ${status}: the bot token was refused`
        : `Cannot connect to Discord: ${err instanceof Error ? err.message : String(err)}`;
      this.#fail(manager, auth, detail);
    });
  }

  #up(): void {
    this.#upSince = Date.now();
    this.#options.events.state("running", null);
  }

  /** Tears the manager down and tries again later: 60 s after an auth failure, the backoff else. */
  #fail(manager: WebSocketManager, auth: boolean, detail: string): void {
    this.#manager = undefined;
    this.#upSince = 0;
    void Promise.resolve(manager.destroy({ code: 1000 })).catch(() => {});
    if (this.#stopped) return;
    this.#options.events.state(auth ? "auth_failed" : "retrying", detail);
    const wait = auth ? (this.#options.authRetryMs ?? 60_000) : this.#backoff.next(0);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), wait);
  }

  /**
   * The library asks for the session before every dial (and on every dispatch): the first ask
   * after a close waits the backoff; once stopped it never answers, so a redial the library had
   * already scheduled never happens.
   */
  async #sessionBeforeDial(): Promise<SessionInfo | null> {
    const delay = this.#pendingDelayMs;
    this.#pendingDelayMs = 0;
    if (delay > 0 && !this.#stopped) await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.#stopped) return await new Promise<never>(() => {});
    return this.#session;
  }
}

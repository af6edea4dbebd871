import { RedisClient } from "bun";
import { Backoff } from "../backoff/mod.ts";
import type { Logger } from "../log/mod.ts";

/** A Redis command on a request path gives up after this long (the caller goes on without Redis). */
export const COMMAND_TIMEOUT_MS = 1000;
/** Fire-and-forget commands in flight at most; past it new ones are dropped (a stalled Redis cannot grow memory). */
export const MAX_IN_FLIGHT = 10_000;
/** Bytes of fire-and-forget commands in flight at most (frames can be 1 MiB each). */
export const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
/** First reconnect delay; it doubles up to {@link RECONNECT_MAX_MS}, with ±20 % jitter. */
export const RECONNECT_MIN_MS = 200;
/** Longest reconnect delay. */
export const RECONNECT_MAX_MS = 5000;

/** SHA-1 of each Lua script sent (a handful of constants). */
const SCRIPT_SHAS = new Map<string, string>();

/** The commands the cluster and the Redis history store send (a `RedisClient` in production). */
export interface RedisCommands {
  /** Sends one command now (auto-pipelined with the others of the same tick) and never throws. */
  fire(command: string, args: string[]): void;
  /**
   * Sends one command and waits for its answer, at most {@link COMMAND_TIMEOUT_MS}.
   * @throws {Error} When Redis is down, answers an error, or is too slow.
   */
  call(command: string, args: string[]): Promise<unknown>;
  /** Whether the command connection is up. */
  readonly up: boolean;
}

/** What {@link RedisLink} needs. */
export interface RedisLinkOptions {
  /** `cluster.redis_url` (revealed only to connect; never logged). */
  url: string;
  log: Logger;
}

/**
 * The two connections to Redis: one for commands (auto-pipelined: commands sent in one tick
 * go out in one write, in order), one for pub/sub. Bun's own `autoReconnect` gives up after
 * `maxRetries`, so the link reconnects itself with backoff (200 ms doubling to 5 s) for as
 * long as the process runs. Commands fail at once while Redis is down (no offline queue),
 * so nothing waits on a dead server. Going down is logged once; coming back once.
 *
 * @example
 * ```ts
 * const link = new RedisLink({ url, log });
 * link.onUp(() => resubscribe());
 * await link.start();
 * link.fire("PUBLISH", ["ch", "hi"]);
 * ```
 */
export class RedisLink implements RedisCommands {
  readonly #url: string;
  readonly #log: Logger;
  #commands: RedisClient;
  #subscriber: RedisClient | undefined;
  #listener: ((message: string, channel: string) => void) | undefined;
  #inFlight = 0;
  #inFlightBytes = 0;
  /** Scripts sent whole on the current command connection. */
  readonly #loaded = new Set<string>();
  #dropped = 0;
  #down = false;
  #closed = false;
  readonly #backoff = new Backoff({ initialMs: RECONNECT_MIN_MS, maxMs: RECONNECT_MAX_MS });
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #upListeners: (() => void)[] = [];

  /** @param options The URL and the logger. */
  constructor(options: RedisLinkOptions) {
    this.#url = options.url;
    this.#log = options.log;
    this.#commands = this.#client();
  }

  #client(): RedisClient {
    return new RedisClient(this.#url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: 2000,
      enableAutoPipelining: true,
    });
  }

  /** Whether both connections are up. */
  get up(): boolean {
    return !this.#down && this.#commands.connected && (this.#subscriber?.connected ?? false);
  }

  /** Runs `listener` each time the link is (re)connected: subscriptions are made again there. */
  onUp(listener: () => void): void {
    this.#upListeners.push(listener);
  }

  /** Pub/sub messages of every subscribed channel go to `listener`. */
  onMessage(listener: (message: string, channel: string) => void): void {
    this.#listener = listener;
  }

  /** Connects; a failure is logged once and retried with backoff (the process runs on). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    if (this.#subscriber) {
      this.#subscriber.onclose = null;
      this.#subscriber.close();
    }
    try {
      if (!this.#commands.connected) {
        this.#commands.onclose = null;
        this.#commands.close();
        this.#commands = this.#client();
        // A new connection may reach a restarted Redis that knows no script.
        this.#loaded.clear();
        await this.#commands.connect();
      }
      const subscriber = this.#client();
      this.#subscriber = subscriber;
      await subscriber.connect();
      this.#commands.onclose = (err) => this.#lost(err);
      subscriber.onclose = (err) => this.#lost(err);
    } catch (err) {
      this.#lost(err);
      return;
    }
    if (this.#closed) return this.close();
    this.#backoff.reset();
    if (this.#down) this.#log.info("redis connection restored: cross-instance fan-out resumes");
    this.#down = false;
    for (const listener of this.#upListeners) listener();
  }

  /** A connection dropped (or a connect failed): log once, retry with backoff. */
  #lost(err?: unknown): void {
    if (this.#closed || this.#retry) return;
    if (!this.#down) {
      this.#down = true;
      this.#log.warn("redis connection lost: serving local sockets only, reconnecting with backoff", {
        error: this.#scrub(err),
      });
    }
    const delay = this.#backoff.next(0);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, delay);
  }

  /** An error's message without the URL or its password (`WRONGPASS ...` says enough). */
  #scrub(err: unknown): string {
    let text = err instanceof Error ? err.message : String(err ?? "connection closed");
    const password = URL.canParse(this.#url) ? decodeURIComponent(new URL(this.#url).password) : "";
    text = text.replaceAll(this.#url, "***");
    if (password) text = text.replaceAll(password, "***");
    return text.slice(0, 200);
  }

  fire(command: string, args: string[]): void {
    this.fireThen(command, args, undefined);
  }

  /**
   * Like {@link fire}; `then` gets the answer (it is not called when the command failed or
   * was dropped).
   */
  fireThen(command: string, args: string[], then: ((reply: unknown) => void) | undefined): void {
    if (this.#down || this.#closed) return;
    let bytes = 0;
    for (const arg of args) bytes += arg.length;
    if (this.#inFlight >= MAX_IN_FLIGHT || this.#inFlightBytes + bytes > MAX_IN_FLIGHT_BYTES) {
      if (this.#dropped++ === 0) this.#log.warn("redis is slow: dropping cluster commands until it catches up");
      return;
    }
    this.#inFlight++;
    this.#inFlightBytes += bytes;
    const settled = () => {
      this.#inFlightBytes -= bytes;
      if (--this.#inFlight === 0) this.#dropped = 0;
    };
    this.#send(command, args).then((reply) => {
      settled();
      then?.(reply);
    }, settled);
  }

  call(command: string, args: string[]): Promise<unknown> {
    if (this.#down || this.#closed) return Promise.reject(new Error("Cannot reach redis: the connection is down"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Cannot reach redis: no answer within ${COMMAND_TIMEOUT_MS} ms`)),
        COMMAND_TIMEOUT_MS,
      );
    });
    return Promise.race([this.#send(command, args), timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Sends a command. A script goes whole (`EVAL`) the first time on a connection, which makes
   * Redis keep it, then as `EVALSHA`: the same order, fewer bytes. Should Redis have lost it
   * (`SCRIPT FLUSH`), the one command is sent again whole.
   */
  #send(command: string, args: string[]): Promise<unknown> {
    if (command !== "EVAL") return this.#commands.send(command, args);
    const [script, ...rest] = args;
    if (!this.#loaded.has(script)) {
      this.#loaded.add(script);
      return this.#commands.send(command, args);
    }
    let sha = SCRIPT_SHAS.get(script);
    if (!sha) {
      sha = new Bun.CryptoHasher("sha1").update(script).digest("hex");
      SCRIPT_SHAS.set(script, sha);
    }
    const commands = this.#commands;
    return commands.send("EVALSHA", [sha, ...rest]).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.includes("NOSCRIPT")) throw err;
      return commands.send("EVAL", args);
    });
  }

  /** Subscribes the pub/sub connection to a channel (no-op while down: {@link onUp} subscribes again). */
  subscribe(channel: string): Promise<boolean> {
    const subscriber = this.#subscriber;
    const listener = this.#listener;
    if (this.#down || !subscriber?.connected || !listener) return Promise.resolve(false);
    return subscriber.subscribe(channel, listener).then(() => true, () => false);
  }

  /** Unsubscribes the pub/sub connection from a channel. */
  unsubscribe(channel: string): void {
    const subscriber = this.#subscriber;
    if (this.#down || !subscriber?.connected) return;
    subscriber.unsubscribe(channel).catch(() => {});
  }

  /** Closes both connections; later commands are ignored. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#commands.onclose = null;
    this.#commands.close();
    if (this.#subscriber) {
      this.#subscriber.onclose = null;
      this.#subscriber.close();
    }
  }
}

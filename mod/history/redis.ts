import type { Logger } from "../log/mod.ts";
import {
  clampLimit,
  CONTEXT_TURNS,
  type HistoryChannel,
  type HistoryMessage,
  type HistoryStore,
  lastTurnsOf,
  type MessagesQuery,
  type NewHistoryMessage,
  type SessionSummary,
  storedMessage,
  titleOf,
} from "./store.ts";

/** The Redis commands the store sends (`mod/cluster`'s `RedisLink` in production). */
export interface RedisCommandRunner {
  /** Sends now, pipelined in order with every other command; never throws. */
  fire(command: string, args: string[]): void;
  /** Sends and waits (with a timeout); rejects when Redis is down. */
  call(command: string, args: string[]): Promise<unknown>;
  /** Whether Redis is reachable now. */
  readonly up: boolean;
  /** Runs `listener` each time Redis is reachable again. */
  onUp(listener: () => void): void;
}

/** While Redis is down, appends wait for it: this many messages at most (the oldest go first). */
export const MAX_HELD_MESSAGES = 10_000;
/** ...and this many characters of message JSON at most. */
const MAX_HELD_CHARS = 32 * 1024 * 1024;

/** Options of {@link RedisHistoryStore}. */
export interface RedisHistoryOptions {
  redis: RedisCommandRunner;
  /** `history.max_messages`: the list of each session is trimmed to it. @default 1000 */
  maxMessages?: number;
  /** `history.max_sessions`: the least recently active sessions past it go. @default 500 */
  maxSessions?: number;
  /** Messages held while Redis is down (the oldest go first). @default MAX_HELD_MESSAGES */
  maxHeld?: number;
  /** Read failures are logged once per spell. */
  log?: Logger;
  /** @default "picoclaw:" */
  prefix?: string;
}

/**
 * Appends messages (groups of 5 arguments after the limits and the prefix: session id, message
 * JSON, title or "", channel, timestamp): each session's capped list, its first channel and
 * title, its place in the activity set; then the least recently active sessions past the cap
 * go with their keys.
 */
const APPEND_LUA = `local max = tonumber(ARGV[1])
local prefix = ARGV[3]
for i = 4, #ARGV, 5 do
  local id = ARGV[i]
  local list = prefix .. 'h:' .. id
  local meta = prefix .. 'hm:' .. id
  redis.call('RPUSH', list, ARGV[i + 1])
  redis.call('LTRIM', list, -max, -1)
  redis.call('HSETNX', meta, 'channel', ARGV[i + 3])
  if ARGV[i + 2] ~= '' then redis.call('HSETNX', meta, 'title', ARGV[i + 2]) end
  redis.call('ZADD', KEYS[1], 'GT', ARGV[i + 4], id)
end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do
    redis.call('DEL', prefix .. 'h:' .. id, prefix .. 'hm:' .. id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
return 1`;

/** Deletes a session; answers 1 when it existed. */
const DELETE_LUA = `local n = redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return n`;

/** A session may have this many user messages waiting for a reply past its last one (the queue bound). */
const MAX_WAITING = 64;

/**
 * Chat history in Redis for a cluster (SPEC §9): any instance continues a conversation and the
 * `openai` agent reads the same context everywhere. Per session a list capped at
 * `max_messages` (`<prefix>h:<id>`, JSON per message, oldest first) and a hash with its title
 * and first channel (`<prefix>hm:<id>`); a sorted set of sessions by last activity
 * (`<prefix>sessions`) capped at `max_sessions`.
 *
 * Writes are off the hot path: the messages appended in one synchronous run (a request and an
 * echo reply, say) go as one script at the end of it (a microtask), without waiting; Bun
 * pipelines the commands of one tick into one write. Every read first sends what is pending. Reads go on the same connection after the writes, so
 * they see them (read-your-writes), and so does any instance that takes the session's lease
 * after this one gave it back. While Redis is down, appends wait (at most
 * {@link MAX_HELD_MESSAGES}; past that the oldest go, logged once) and are sent first when it
 * is back; reads answer empty meanwhile. A script in flight when the connection breaks is lost.
 */
export class RedisHistoryStore implements HistoryStore {
  readonly kind = "redis";
  readonly #redis: RedisCommandRunner;
  readonly #maxMessages: number;
  readonly #maxSessions: number;
  readonly #log?: Logger;
  readonly #prefix: string;
  #closed = false;
  #failing = false;
  /** Appends not sent yet: 5 arguments per message (see `APPEND_LUA`). */
  #pending: string[] = [];
  /** Characters of the message JSON in `#pending`. */
  #pendingChars = 0;
  #scheduled = false;
  readonly #maxHeld: number;
  /** Whether appends are waiting for Redis (it went down with some pending). */
  #held = false;
  /** Held messages dropped (the bounds) since Redis went down. */
  #dropped = 0;

  /** @param options The Redis link, the limits, the logger. */
  constructor(options: RedisHistoryOptions) {
    this.#redis = options.redis;
    this.#maxMessages = options.maxMessages ?? 1000;
    this.#maxSessions = options.maxSessions ?? 500;
    this.#log = options.log;
    this.#prefix = options.prefix ?? "picoclaw:";
    this.#maxHeld = options.maxHeld ?? MAX_HELD_MESSAGES;
    this.#redis.onUp(() => this.#send());
  }

  /** False while Redis is down: reads then answer empty at once. */
  get available(): boolean {
    return this.#redis.up;
  }

  #list(sessionId: string): string {
    return `${this.#prefix}h:${sessionId}`;
  }

  #meta(sessionId: string): string {
    return `${this.#prefix}hm:${sessionId}`;
  }

  get #sessions(): string {
    return `${this.#prefix}sessions`;
  }

  append(message: NewHistoryMessage): void {
    const stored = storedMessage(message);
    if (this.#closed) return;
    const title = stored.role === "user" ? titleOf(stored.content) : "";
    const json = JSON.stringify(stored);
    this.#pending.push(message.session_id, json, title, stored.channel, String(stored.timestamp));
    this.#pendingChars += json.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Before any continuation of the caller (a lease given back after the reply): same order on the connection.
      queueMicrotask(() => this.#send());
    }
  }

  /** Sends the pending appends as one script; while Redis is down, keeps them (bounded) for when it is back. */
  #send(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    if (!this.#redis.up) {
      this.#hold();
      return;
    }
    const groups = this.#pending;
    this.#pending = [];
    this.#pendingChars = 0;
    if (this.#held) {
      this.#log?.info("chat history held while redis was down is written now", {
        messages: groups.length / 5,
        dropped: this.#dropped,
      });
      this.#held = false;
      this.#dropped = 0;
    }
    const limits = [String(this.#maxMessages), String(this.#maxSessions), this.#prefix];
    this.#redis.fire("EVAL", [APPEND_LUA, "1", this.#sessions, ...limits, ...groups]);
  }

  /** Keeps the pending appends within their bounds while Redis is down, the oldest going first. */
  #hold(): void {
    if (!this.#held) {
      this.#held = true;
      this.#log?.warn("redis is down: chat history waits in memory until it is back");
    }
    let drop = 0;
    while (
      drop < this.#pending.length &&
      ((this.#pending.length - drop) / 5 > this.#maxHeld || this.#pendingChars > MAX_HELD_CHARS)
    ) {
      this.#pendingChars -= this.#pending[drop + 1].length;
      drop += 5;
    }
    if (drop === 0) return;
    if (this.#dropped === 0) this.#log?.warn("redis is still down: dropping the oldest chat history held for it");
    this.#dropped += drop / 5;
    this.#pending = this.#pending.slice(drop);
  }

  /** Runs a read; a failure is logged once per spell and answered with `fallback`. */
  async #read<T>(read: () => Promise<T>, fallback: T): Promise<T> {
    this.#send();
    try {
      const value = await read();
      this.#failing = false;
      return value;
    } catch (err) {
      if (!this.#failing) {
        this.#failing = true;
        this.#log?.warn("chat history unavailable: redis did not answer", { error: err });
      }
      return fallback;
    }
  }

  #range(sessionId: string, start: number): Promise<HistoryMessage[]> {
    return this.#redis.call("LRANGE", [this.#list(sessionId), String(start), "-1"]).then((items) =>
      Array.isArray(items) ? items.map((item) => JSON.parse(String(item)) as HistoryMessage) : []
    );
  }

  listSessions(): Promise<SessionSummary[]> {
    return this.#read(async () => {
      const ids = await this.#redis.call("ZREVRANGE", [this.#sessions, "0", "-1", "WITHSCORES"]);
      const pairs = flatPairs(ids);
      return await Promise.all(pairs.map(async ([id, score]) => {
        const [meta, count] = await Promise.all([
          this.#redis.call("HMGET", [this.#meta(id), "title", "channel"]),
          this.#redis.call("LLEN", [this.#list(id)]),
        ]);
        const [title, channel] = Array.isArray(meta) ? meta : [];
        return {
          id,
          title: typeof title === "string" ? title : "",
          channel: (typeof channel === "string" ? channel : "pico") as HistoryChannel,
          messages: Number(count) || 0,
          updated_at: Number(score),
        };
      }));
    }, []);
  }

  messages(sessionId: string, query: MessagesQuery = {}): Promise<HistoryMessage[] | undefined> {
    return this.#read(async () => {
      const messages = await this.#range(sessionId, 0);
      if (messages.length === 0) return undefined;
      let end = messages.length;
      if (query.before !== undefined) {
        end = messages.findIndex((m) => m.message_id === query.before);
        if (end < 0) return [];
      }
      return messages.slice(Math.max(0, end - clampLimit(query.limit)), end);
    }, undefined);
  }

  lastTurns(sessionId: string, turns = CONTEXT_TURNS): Promise<HistoryMessage[]> {
    // Enough for `turns` turns with failed replies and the requests still waiting.
    const window = Math.max(1, Math.floor(turns)) * 4 + MAX_WAITING;
    return this.#read(async () => lastTurnsOf(await this.#range(sessionId, -window), turns), []);
  }

  deleteSession(sessionId: string): Promise<boolean> {
    return this.#read(async () => {
      const keys = [this.#list(sessionId), this.#meta(sessionId), this.#sessions];
      return Number(await this.#redis.call("EVAL", [DELETE_LUA, "3", ...keys, sessionId])) > 0;
    }, false);
  }

  /** Waits until every append sent before has been applied (a PING behind them). */
  async flush(): Promise<void> {
    this.#send();
    await this.#redis.call("PING", []).catch(() => {});
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#pending.length > 0) {
      this.#log?.error("redis is down: chat history held for it is lost at exit", {
        messages: this.#pending.length / 5,
      });
      this.#pending = [];
      this.#pendingChars = 0;
    }
  }
}

/** `[member, score]` pairs from a `WITHSCORES` answer (flat in RESP2, pairs in RESP3). */
function flatPairs(reply: unknown): [string, string][] {
  if (!Array.isArray(reply)) return [];
  if (reply.every(Array.isArray)) return reply.map(([id, score]) => [String(id), String(score)]);
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), String(reply[i + 1])]);
  return pairs;
}

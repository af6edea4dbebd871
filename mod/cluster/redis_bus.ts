import { hostname } from "node:os";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { ClusterStatus, SessionBus, SessionLock } from "./bus.ts";
import type { RedisLink } from "./redis_link.ts";

/** Every key and channel of PicoClaw in Redis starts with this. */
export const KEY_PREFIX = "picoclaw:";
const SESSION_CHANNEL = `${KEY_PREFIX}s:`;
const LEASE_KEY = `${KEY_PREFIX}lease:`;
const INSTANCES_KEY = `${KEY_PREFIX}instances`;
/** A request waits at most this long for another instance to give a session's lease back. */
export const LEASE_WAIT_MS = 180_000;
/** Longest pause between two tries to take a lease. */
const LEASE_POLL_MAX_MS = 25;
/**
 * A lease is kept this long after the session's last request here, so a session busy on one
 * instance takes it once, not per message; another instance waits at most this much longer.
 */
export const LEASE_LINGER_MS = 50;

/** Adds this instance to the set of live ones (Redis's clock), drops the expired, counts them. */
const HEARTBEAT_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])`;
/** Extends a lease only while this instance holds it. */
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then
return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Gives a lease back only while this instance holds it. */
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then
return redis.call('DEL', KEYS[1]) end return 0`;

/** What this instance knows about a session it has sockets of. */
interface Presence {
  /** Whether another instance may have sockets of it (then frames are published). */
  remote: boolean;
  /** Whether the subscription is confirmed (publish answers count this instance then). */
  subscribed: boolean;
  /** Bumped when another instance joins: a publish answer from before is stale. */
  generation: number;
}

/** A lease this instance holds. */
interface Held {
  /** Requests running under it (0 or 1: the session's queue runs one at a time). */
  active: number;
  /** Gives it back once idle for {@link LEASE_LINGER_MS}. */
  linger: ReturnType<typeof setTimeout> | undefined;
  renew: ReturnType<typeof setInterval>;
}

/** What {@link RedisSessionBus} needs. */
export interface RedisSessionBusOptions {
  link: RedisLink;
  /** `cluster.instance_ttl` in seconds: heartbeat and lease expiry. */
  ttlSeconds: number;
  log: Logger;
  /** @default `<hostname>-<8 random hex>` */
  instanceId?: string;
}

/**
 * The cluster's {@link SessionBus} over Redis.
 *
 * Fan-out: an instance with sockets of a session subscribes to the session's channel and,
 * once subscribed, announces itself there. A frame is published only while another instance
 * may have sockets of the session: PUBLISH answers how many subscribers got it, so a session
 * whose sockets are all here stops publishing after one frame, until another instance
 * announces itself. An instance without sockets of the session (it runs a request from
 * `/api/messages`) always publishes.
 *
 * Order: a lease per session (`SET NX PX`, renewed while held, given back 50 ms after the
 * session's last request here, so a busy session takes it once); a request waits for it in
 * its session's queue, polling (1 ms doubling to 25 ms). Why not forward requests to the holder: the
 * per-socket order then depends on a forward racing a lease expiry; waiting keeps every
 * socket's requests in its own instance's queue, and the lease alone makes the agent runs of
 * a session one at a time, each seeing the history the previous one stored (the release goes
 * after the history write on the same, ordered connection).
 *
 * Instances: a heartbeat every `ttl/3` in a sorted set scored by Redis's clock; the count is
 * the members younger than `ttl`.
 */
export class RedisSessionBus implements SessionBus, SessionLock {
  readonly lock: SessionLock = this;
  readonly #link: RedisLink;
  readonly #log: Logger;
  readonly #id: string;
  readonly #ttlMs: number;
  readonly #local = new Map<string, Presence>();
  readonly #held = new Map<string, Held>();
  #deliver: (sessionId: string, frame: string) => void = () => {};
  #instances = 1;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  /** @param options The link, the expiry, the logger. */
  constructor(options: RedisSessionBusOptions) {
    this.#link = options.link;
    this.#log = options.log;
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#id = options.instanceId ?? `${hostname()}-${crypto.randomUUID().slice(0, 8)}`;
    this.#link.onMessage((message, channel) => this.#received(message, channel));
    this.#link.onUp(() => this.#resubscribe());
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(200, Math.floor(this.#ttlMs / 3)));
    this.#heartbeat.unref?.();
  }

  /** This instance's id in `/api/status` and in the messages it publishes. */
  get instanceId(): string {
    return this.#id;
  }

  setDelivery(deliver: (sessionId: string, frame: string) => void): void {
    this.#deliver = deliver;
  }

  join(sessionId: string): void {
    const presence: Presence = { remote: true, subscribed: false, generation: 0 };
    this.#local.set(sessionId, presence);
    this.#subscribe(sessionId, presence);
  }

  #subscribe(sessionId: string, presence: Presence): void {
    const channel = SESSION_CHANNEL + sessionId;
    void this.#link.subscribe(channel).then((ok) => {
      if (!ok || this.#local.get(sessionId) !== presence) return;
      presence.subscribed = true;
      // Announce: instances already here publish to us from now on.
      this.#link.fire("PUBLISH", [channel, `${this.#id}\n`]);
    });
  }

  leave(sessionId: string): void {
    if (!this.#local.delete(sessionId)) return;
    this.#link.unsubscribe(SESSION_CHANNEL + sessionId);
  }

  publish(sessionId: string, frame: string): void {
    const presence = this.#local.get(sessionId);
    if (presence && !presence.remote) return;
    const subscribed = presence?.subscribed ?? false;
    const generation = presence?.generation ?? 0;
    this.#link.fireThen("PUBLISH", [SESSION_CHANNEL + sessionId, `${this.#id}\n${frame}`], (receivers) => {
      // Only an answer counting our own confirmed subscription, with no join since, tells.
      if (!presence || !subscribed || presence.generation !== generation) return;
      presence.remote = typeof receivers === "number" && receivers > 1;
    });
  }

  #received(message: string, channel: string): void {
    if (!channel.startsWith(SESSION_CHANNEL)) return;
    const sessionId = channel.slice(SESSION_CHANNEL.length);
    const newline = message.indexOf("\n");
    if (newline < 0 || message.slice(0, newline) === this.#id) return;
    const presence = this.#local.get(sessionId);
    if (newline === message.length - 1) {
      // Another instance joined the session.
      if (presence) {
        presence.remote = true;
        presence.generation++;
      }
      return;
    }
    if (presence) this.#deliver(sessionId, message.slice(newline + 1));
  }

  /** Redis is back: subscribe again (new connection), publish until told otherwise, beat now. */
  #resubscribe(): void {
    for (const [sessionId, presence] of this.#local) {
      presence.remote = true;
      presence.subscribed = false;
      presence.generation++;
      this.#subscribe(sessionId, presence);
    }
    this.#beat();
  }

  #beat(): void {
    this.#link.call("EVAL", [HEARTBEAT_LUA, "1", INSTANCES_KEY, this.#id, String(this.#ttlMs)]).then(
      (count) => {
        if (typeof count === "number") this.#instances = count;
      },
      () => {}, // Down: the link logged it once.
    );
  }

  acquire(sessionId: string, signal: AbortSignal): (() => void) | Promise<() => void> {
    const held = this.#held.get(sessionId);
    if (held) {
      clearTimeout(held.linger);
      held.active++;
      return this.#releaser(sessionId, held);
    }
    return this.#take(sessionId, signal);
  }

  async #take(sessionId: string, signal: AbortSignal): Promise<() => void> {
    const key = LEASE_KEY + sessionId;
    const deadline = Date.now() + LEASE_WAIT_MS;
    let pause = 1;
    for (;;) {
      if (!this.#link.up) return NO_LEASE;
      let reply: unknown;
      try {
        reply = await this.#link.call("SET", [key, this.#id, "NX", "PX", String(this.#ttlMs)]);
      } catch {
        // Redis went away or is too slow: this instance's queue still keeps its order.
        return NO_LEASE;
      }
      if (reply === "OK") return this.#hold(sessionId);
      if (signal.aborted) throw new PicoclawError("agent_error", "The request was cancelled");
      if (Date.now() > deadline) {
        throw new PicoclawError("agent_error", "Cannot run the agent: another instance kept this session too long");
      }
      await Bun.sleep(pause);
      pause = Math.min(LEASE_POLL_MAX_MS, pause * 2);
    }
  }

  /** Keeps a lease just taken: renewed every `ttl/3` while held; lost when a renewal finds it gone. */
  #hold(sessionId: string): () => void {
    const key = LEASE_KEY + sessionId;
    const args = [RENEW_LUA, "1", key, this.#id, String(this.#ttlMs)];
    const held: Held = {
      active: 1,
      linger: undefined,
      renew: setInterval(() => {
        this.#link.fireThen("EVAL", args, (renewed) => {
          if (renewed === 0) this.#drop(sessionId, held);
        });
      }, this.#ttlMs / 3),
    };
    held.renew.unref?.();
    this.#held.set(sessionId, held);
    return this.#releaser(sessionId, held);
  }

  #releaser(sessionId: string, held: Held): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.active > 0 || this.#held.get(sessionId) !== held) return;
      held.linger = setTimeout(() => {
        this.#drop(sessionId, held);
        this.#link.fire("EVAL", [RELEASE_LUA, "1", LEASE_KEY + sessionId, this.#id]);
      }, LEASE_LINGER_MS);
    };
  }

  /** Forgets a lease (given back, or found lost): the next request takes it again. */
  #drop(sessionId: string, held: Held): void {
    clearTimeout(held.linger);
    clearInterval(held.renew);
    if (this.#held.get(sessionId) === held) this.#held.delete(sessionId);
  }

  status(): ClusterStatus {
    return { instance_id: this.#id, instances: this.#instances, redis: this.#link.up ? "connected" : "down" };
  }

  /** Stops the heartbeat and leaves the set of live instances (best effort), then closes the link. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const [sessionId, held] of this.#held) {
      this.#drop(sessionId, held);
      this.#link.fire("EVAL", [RELEASE_LUA, "1", LEASE_KEY + sessionId, this.#id]);
    }
    await this.#link.call("ZREM", [INSTANCES_KEY, this.#id]).catch(() => {});
    this.#link.close();
    this.#log.debug("cluster stopped", { instance: this.#id });
  }
}

function NO_LEASE(): void {}

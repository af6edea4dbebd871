import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisLink } from "../cluster/mod.ts";
import { createLogger } from "../log/mod.ts";
import { hasRedisServer, type RedisServer, startRedisServer } from "../../tests/helpers/redis_server.ts";
import { requirement } from "../../tests/helpers/requirements.ts";
import { RedisHistoryStore } from "./redis.ts";
import type { NewHistoryMessage } from "./store.ts";

const run = requirement(hasRedisServer(), "needs Debian's redis-server (apt-get install redis-server)");

let redis: RedisServer;
let link: RedisLink;
const logs: string[] = [];

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** A redis-server of a test's own (it kills and restarts it), a link to it, and stores logging to `logs`. */
interface OwnRedis {
  link: RedisLink;
  logs: string[];
  history(options?: { maxHeld?: number }): RedisHistoryStore;
  /** Kills the server and waits until the link sees it down. */
  down(): Promise<void>;
  /** Starts the server again (empty: it saved nothing) and waits until the link is back. */
  up(): Promise<void>;
}

async function withOwnRedis(body: (own: OwnRedis) => Promise<void>): Promise<void> {
  const server = await startRedisServer();
  const link = new RedisLink({ url: server.url, log: createLogger({ stderr: () => {} }) });
  const logs: string[] = [];
  try {
    await link.start();
    await body({
      link,
      logs,
      history: (options = {}) =>
        new RedisHistoryStore({ redis: link, log: createLogger({ stderr: (l) => logs.push(l) }), ...options }),
      down: async () => {
        await server.kill();
        await until(() => !link.up, "the link to see redis down");
      },
      up: async () => {
        await server.restart();
        await until(() => link.up, "the link to reconnect");
      },
    });
  } finally {
    link.close();
    await server.stop();
  }
}

function message(sessionId: string, role: "user" | "assistant", content: string, timestamp: number): NewHistoryMessage {
  return { session_id: sessionId, role, content, message_id: `${sessionId}-${content}`, channel: "pico", timestamp };
}

/** A store with its own key prefix, so the tests do not see each other's sessions. */
function store(options: { maxMessages?: number; maxSessions?: number } = {}): RedisHistoryStore {
  return new RedisHistoryStore({ redis: link, prefix: `t${crypto.randomUUID()}:`, ...options });
}

describe.skipIf(!run)("RedisHistoryStore (real redis-server)", () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    link = new RedisLink({ url: redis.url, log: createLogger({ stderr: (line) => logs.push(line) }) });
    await link.start();
  });

  afterAll(async () => {
    link?.close();
    await redis?.stop();
  });

  test("a read right after append (no flush) sees it: one ordered, pipelined connection", async () => {
    const history = store();
    history.append(message("s", "user", "hello", 1));
    history.append(message("s", "assistant", "hi", 2));
    expect((await history.messages("s"))?.map((m) => m.content)).toEqual(["hello", "hi"]);
    expect(await history.messages("unknown")).toBeUndefined();
  });

  test("each session's list is capped at max_messages, the oldest going first", async () => {
    const history = store({ maxMessages: 3 });
    for (let i = 1; i <= 5; i++) history.append(message("s", "user", `m${i}`, i));
    expect((await history.messages("s"))?.map((m) => m.content)).toEqual(["m3", "m4", "m5"]);
    expect((await history.listSessions())[0].messages).toBe(3);
  });

  test("past max_sessions the least recently active session goes, keys and all", async () => {
    const history = store({ maxSessions: 2 });
    history.append(message("a", "user", "first a", 1));
    history.append(message("b", "user", "first b", 2));
    history.append(message("a", "assistant", "again a", 3));
    history.append(message("c", "user", "first c", 4));
    expect((await history.listSessions()).map((s) => s.id)).toEqual(["c", "a"]);
    expect(await history.messages("b")).toBeUndefined();
  });

  test("listSessions: newest first, title = first user message, first channel, count, updated_at", async () => {
    const history = store();
    history.append({ ...message("x", "assistant", "greeting", 10), channel: "api" });
    history.append(message("x", "user", "  what   is\nthis  ", 11));
    history.append(message("y", "user", "later", 20));
    const [y, x] = await history.listSessions();
    expect(y).toEqual({ id: "y", title: "later", channel: "pico", messages: 1, updated_at: 20 });
    expect(x).toEqual({ id: "x", title: "what is this", channel: "api", messages: 2, updated_at: 11 });
  });

  test("messages pages with limit and before; lastTurns ends at the newest reply", async () => {
    const history = store();
    for (let i = 1; i <= 3; i++) {
      history.append(message("p", "user", `q${i}`, i * 2));
      history.append(message("p", "assistant", `a${i}`, i * 2 + 1));
    }
    history.append(message("p", "user", "waiting", 100));
    expect((await history.messages("p", { limit: 2 }))?.map((m) => m.content)).toEqual(["a3", "waiting"]);
    expect((await history.messages("p", { limit: 2, before: "p-q3" }))?.map((m) => m.content)).toEqual(["q2", "a2"]);
    expect((await history.lastTurns("p", 2)).map((m) => m.content)).toEqual(["q2", "a2", "q3", "a3"]);
  });

  test("deleteSession removes the session and says whether it existed", async () => {
    const history = store();
    history.append(message("d", "user", "bye", 1));
    expect(await history.deleteSession("d")).toBe(true);
    expect(await history.deleteSession("d")).toBe(false);
    expect(await history.listSessions()).toEqual([]);
  });

  test("appends made while redis is down wait, and are written in order once it is back", async () => {
    await withOwnRedis(async (own) => {
      const history = own.history();
      history.append(message("s", "user", "before", 1));
      await history.flush();
      await own.down();
      history.append(message("s", "assistant", "during one", 2));
      history.append(message("s", "user", "during two", 3));
      expect(await history.messages("s")).toBeUndefined(); // down: answered empty at once
      await own.up();
      // Written on reconnect, with no append or read to carry them.
      const written = async () => Number(await own.link.call("LLEN", ["picoclaw:h:s"]));
      const deadline = Date.now() + 5_000;
      while (await written() < 2 && Date.now() < deadline) await Bun.sleep(20);
      expect(await written()).toBe(2);
      history.append(message("s", "assistant", "after", 4));
      expect((await history.messages("s"))?.map((m) => m.content)).toEqual(["during one", "during two", "after"]);
      expect(own.logs.filter((l) => l.includes("waits in memory")).length).toBe(1);
      expect(own.logs.filter((l) => l.includes("written now")).length).toBe(1);
      await history.close();
    });
  });

  test("while redis is down the held appends stay bounded: the oldest go, logged once", async () => {
    await withOwnRedis(async (own) => {
      const history = own.history({ maxHeld: 3 });
      await own.down();
      for (let n = 1; n <= 5; n++) {
        history.append(message("b", "user", `m${n}`, n));
        await Promise.resolve(); // each append its own microtask run
      }
      await own.up();
      expect((await history.messages("b"))?.map((m) => m.content)).toEqual(["m3", "m4", "m5"]);
      expect(own.logs.filter((l) => l.includes("dropping the oldest")).length).toBe(1);
    });
  });

  test("what close() reports lost while redis is down stays lost: a later reconnect writes none of it", async () => {
    await withOwnRedis(async (own) => {
      const history = own.history();
      await own.down();
      history.append(message("c", "user", "held", 1));
      await history.close();
      expect(own.logs.filter((l) => l.includes("lost at exit") && l.includes("messages=1")).length).toBe(1);
      history.append(message("c", "user", "after close", 2)); // ignored
      await own.up();
      // The onUp listeners ran before `up` turned true; a PING behind anything they sent.
      await own.link.call("PING", []);
      expect(await own.link.call("EXISTS", ["picoclaw:h:c", "picoclaw:sessions"])).toBe(0);
    });
  });

  test("with redis down, reads answer empty at once, a warning is logged once, and close says what is lost", async () => {
    const down = new RedisHistoryStore({
      redis: new RedisLink({ url: "redis://127.0.0.1:1", log: createLogger({ stderr: () => {} }) }),
      log: createLogger({ stderr: (line) => logs.push(line) }),
    });
    down.append(message("z", "user", "lost", 1));
    expect(await down.listSessions()).toEqual([]);
    expect(await down.lastTurns("z")).toEqual([]);
    expect(await down.messages("z")).toBeUndefined();
    expect(logs.filter((l) => l.includes("chat history unavailable")).length).toBe(1);
    await down.close();
    expect(logs.filter((l) => l.includes("lost at exit") && l.includes("messages=1")).length).toBe(1);
  });
});

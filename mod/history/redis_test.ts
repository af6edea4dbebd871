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

  test("with redis down, appends are dropped, reads answer empty at once, and a warning is logged once", async () => {
    const down = new RedisHistoryStore({
      redis: new RedisLink({ url: "redis://127.0.0.1:1", log: createLogger({ stderr: () => {} }) }),
      log: createLogger({ stderr: (line) => logs.push(line) }),
    });
    down.append(message("z", "user", "lost", 1));
    expect(await down.listSessions()).toEqual([]);
    expect(await down.lastTurns("z")).toEqual([]);
    expect(await down.messages("z")).toBeUndefined();
    expect(logs.filter((l) => l.includes("chat history unavailable")).length).toBe(1);
  });
});

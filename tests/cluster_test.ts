import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { childEnv, type GatewayProcess, runBinary, startGatewayProcess } from "./helpers/binary.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { openPico, type ServerFrame, type TestPicoClient } from "./helpers/gateway.ts";
import { hasRedisServer, type RedisServer, startRedisServer } from "./helpers/redis_server.ts";
import { requirement } from "./helpers/requirements.ts";

/**
 * Several gateways as one (SPEC §9): Debian's redis-server on a free loopback port and three
 * `picoclaw gateway` binaries sharing it, with an OpenAI-compatible fake whose streamed
 * replies take long enough to overlap. The tests run in order: Redis is killed and restarted,
 * then one instance is killed with -9.
 */

const TOKEN = "cluster-pico-token-0123456789abcdef";
const API_KEY = "sk-cluster-key-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** The reply streams in 4 deltas, 15 ms apart: two unsynchronised replies would interleave. */
const REPLY = "one two three fo";

/** Per test: outages and a -9 take a few heartbeats (2 s expiry). */
const TIMEOUT_MS = 30_000;

const run = requirement(hasRedisServer(), "needs Debian's redis-server (apt-get install redis-server)");

let redis: RedisServer;
let fake: ReturnType<typeof startFakeOpenAI>;
let gateways: GatewayProcess[] = [];
const sockets: TestPicoClient[] = [];

async function open(gateway: GatewayProcess, sessionId: string): Promise<TestPicoClient> {
  const client = await openPico(`ws://127.0.0.1:${gateway.port}/pico?session_id=${sessionId}`, { headers: AUTH });
  sockets.push(client);
  return client;
}

async function status(
  gateway: GatewayProcess,
): Promise<{ cluster: { instance_id: string; instances: number; redis: string } }> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/api/status`, { headers: AUTH });
  return await res.json();
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/** Frames up to (and with) the `typing.stop` that ends the reply to request `id`. */
async function replyTo(client: TestPicoClient, id: string): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = [];
  let mine = "";
  for (;;) {
    const frame = await client.next(undefined, 8000);
    frames.push(frame);
    if (frame.type === "message.create" && frame.payload?.reply_to === id) mine = String(frame.payload.message_id);
    if (frame.type === "typing.stop" && mine) return frames;
  }
}

function send(client: TestPicoClient, id: string, content: string): void {
  client.send({ type: "message.send", id, payload: { content } });
}

describe.skipIf(!run)("several gateways as one (three processes, one redis-server)", () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    fake = startFakeOpenAI(API_KEY, { reply: REPLY, chunkSize: 4, delayMs: 15 });
    const env = {
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_AGENT_PROVIDER: "openai",
      PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
      PICOCLAW_AGENT_API_KEY: API_KEY,
      PICOCLAW_AGENT_MODEL: "fake-model",
      PICOCLAW_CLUSTER_REDIS_URL: redis.url,
      PICOCLAW_CLUSTER_INSTANCE_TTL: "2",
    };
    gateways = await Promise.all([0, 1, 2].map(() => startGatewayProcess(env)));
    await until("three instances with redis connected", async () => {
      const all = await Promise.all(gateways.map(status));
      return all.every((s) => s.cluster?.redis === "connected" && s.cluster.instances === 3);
    });
  }, TIMEOUT_MS);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all(gateways.map((g) => g.stop()));
    await redis?.stop();
    fake?.stop();
  }, TIMEOUT_MS);

  test("/api/status names each instance, counts three and says redis connected; the URL is never logged", async () => {
    const all = await Promise.all(gateways.map(status));
    expect(new Set(all.map((s) => s.cluster.instance_id)).size).toBe(3);
    for (const s of all) expect(s.cluster).toMatchObject({ instances: 3, redis: "connected" });
    for (const g of gateways) expect(g.child.stderr()).not.toContain(redis.password);
    const shown = await runBinary(
      ["config", "show"],
      childEnv(gateways[0].home.path, { PICOCLAW_CLUSTER_REDIS_URL: redis.url }),
    );
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("cluster");
    expect(shown.stdout).not.toContain(redis.password);
  }, TIMEOUT_MS);

  test(
    "a wrong redis password: status says down, logged once without the password, local chat works",
    async () => {
      const wrong = redis.url.replace(redis.password, "wrong-password-0123456789");
      const lonely = await startGatewayProcess({
        PICOCLAW_CHANNELS_PICO_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
        PICOCLAW_CLUSTER_REDIS_URL: wrong,
      });
      try {
        await until("status redis down", async () => (await status(lonely)).cluster.redis === "down");
        const [x, y] = await Promise.all([open(lonely, "lonely"), open(lonely, "lonely")]);
        send(x, "l1", "anyone?");
        expect((await replyTo(y, "l1")).find((f) => f.type === "message.create")?.payload?.content).toBe("anyone?");
        // Bun's client only says "Connection closed" for a refused password; the line still goes out once.
        await lonely.child.waitFor(/redis connection lost/);
        expect(lonely.child.stderr().match(/redis connection lost/g)?.length).toBe(1);
        expect(lonely.child.stderr()).not.toContain("wrong-password-0123456789");
      } finally {
        await lonely.stop();
      }
    },
    TIMEOUT_MS,
  );

  test("a session's frames reach its sockets on every instance, and no other session's", async () => {
    const [a, b, c] = await Promise.all([open(gateways[0], "fan"), open(gateways[1], "fan"), open(gateways[2], "fan")]);
    const other = await open(gateways[1], "other");
    send(a, "fan-1", "hello everyone");
    for (const client of [a, b, c]) {
      const frames = await replyTo(client, "fan-1");
      expect(frames.map((f) => f.type)).toContain("typing.start");
      expect(frames.at(-1)?.payload).toEqual({});
      const last = frames.filter((f) => f.type.startsWith("message.")).at(-1);
      expect(last?.payload?.content).toBe(REPLY);
    }
    // The other session's socket got nothing (its next frame is its own pong).
    other.send({ type: "ping", id: "p" });
    expect((await other.next()).type).toBe("pong");
  }, TIMEOUT_MS);

  test("an instance that stopped publishing a lone session starts again when another instance joins it", async () => {
    const a = await open(gateways[0], "join");
    // Alone: the first frame's PUBLISH reaches nobody else, so instance 0 stops publishing.
    send(a, "j0", "alone");
    await replyTo(a, "j0");
    const b = await open(gateways[1], "join");
    await until("instance 1's socket gets a reply sent through instance 0", async () => {
      const id = `j-${crypto.randomUUID()}`;
      send(a, id, "now with company");
      await replyTo(a, id);
      return b.frames.some((f) => f.type === "message.create" && f.payload?.reply_to === id);
    }, 3000);
  }, TIMEOUT_MS);

  test("POST /api/messages on a third instance reaches the session's sockets on the other two", async () => {
    const [a, b] = await Promise.all([open(gateways[0], "api"), open(gateways[1], "api")]);
    const res = await fetch(`http://127.0.0.1:${gateways[2].port}/api/messages`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ session_id: "api", content: "from the api" }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.content).toBe(REPLY);
    for (const client of [a, b]) {
      const create = await client.next("message.create", 8000);
      expect(create.payload?.message_id).toBe(body.message_id);
      await client.next("typing.stop", 8000);
    }
  }, TIMEOUT_MS);

  test(
    "messages sent alternately through two instances: one reply at a time, in each socket's order, same on both",
    async () => {
      const [a, b] = await Promise.all([open(gateways[0], "order"), open(gateways[1], "order")]);
      const ids = ["o1", "o2", "o3", "o4", "o5", "o6"];
      // Alternately, without waiting: o1, o3, o5 through instance 0; o2, o4, o6 through instance 1.
      ids.forEach((id, i) => send(i % 2 === 0 ? a : b, id, `question ${id}`));
      const seen: string[][] = [];
      for (const client of [a, b]) {
        const frames: ServerFrame[] = [];
        while (frames.filter((f) => f.type === "typing.stop").length < ids.length) {
          frames.push(await client.next(undefined, 10_000));
        }
        // Replies never interleave: each starts (typing.start) after the previous one stopped.
        const marks = frames.filter((f) => f.type === "typing.start" || f.type === "typing.stop").map((f) => f.type);
        expect(marks).toEqual(ids.flatMap(() => ["typing.start", "typing.stop"]));
        const order = frames.filter((f) => f.type === "message.create").map((f) => String(f.payload?.reply_to));
        expect(order.toSorted()).toEqual(ids);
        // Each socket's own requests are answered in the order it sent them.
        expect(order.filter((id) => ["o1", "o3", "o5"].includes(id))).toEqual(["o1", "o3", "o5"]);
        expect(order.filter((id) => ["o2", "o4", "o6"].includes(id))).toEqual(["o2", "o4", "o6"]);
        seen.push(order);
      }
      expect(seen[0]).toEqual(seen[1]);
      // Every run saw the replies before it: the agent's context grew by one turn each time.
      const contexts = fake.requests.filter((r) =>
        r.body.messages.some((m) => String(m.content).startsWith("question o"))
      )
        .map((r) => r.body.messages.filter((m) => m.role === "assistant").length);
      expect(contexts).toEqual([0, 1, 2, 3, 4, 5]);
    },
    TIMEOUT_MS,
  );

  test(
    "a conversation goes on on another instance: the agent sees the first turn, history is the same everywhere",
    async () => {
      const a = await open(gateways[0], "hist");
      send(a, "h1", "my name is Ada");
      await replyTo(a, "h1");
      const b = await open(gateways[1], "hist");
      send(b, "h2", "what is my name?");
      await replyTo(b, "h2");
      const last = fake.requests.at(-1)!.body.messages.map((m) => `${m.role}:${m.content}`);
      expect(last).toEqual(["user:my name is Ada", `assistant:${REPLY}`, "user:what is my name?"]);
      await until("the history on the third instance", async () => {
        const res = await fetch(`http://127.0.0.1:${gateways[2].port}/api/sessions/hist/messages`, { headers: AUTH });
        if (res.status !== 200) return false;
        const { messages } = await res.json();
        return JSON.stringify(messages.map((m: { content: string }) => m.content)) ===
          JSON.stringify(["my name is Ada", REPLY, "what is my name?", REPLY]);
      }, 3000);
    },
    TIMEOUT_MS,
  );

  test("redis frozen (SIGSTOP): a reply still comes, after at most the 1 s command timeouts", async () => {
    const [a, b] = await Promise.all([open(gateways[0], "frozen"), open(gateways[0], "frozen")]);
    redis.pause();
    try {
      send(a, "f1", "is anyone answering?");
      const frames = await replyTo(b, "f1");
      expect(frames.filter((f) => f.type.startsWith("message.")).at(-1)?.payload?.content).toBe(REPLY);
    } finally {
      redis.resume();
    }
    await until("redis answering again", async () => (await status(gateways[0])).cluster.redis === "connected");
  }, TIMEOUT_MS);

  test(
    "redis killed mid-run: local fan-out goes on, status says down, logged once; back: cross-instance again",
    async () => {
      const [a1, a2] = await Promise.all([open(gateways[0], "down"), open(gateways[0], "down")]);
      send(a1, "d0", "before the outage");
      await replyTo(a2, "d0");
      await redis.kill();
      await until("status redis down", async () => (await status(gateways[0])).cluster.redis === "down");
      for (const id of ["d1", "d2", "d3"]) {
        send(a1, id, "during the outage");
        const frames = await replyTo(a2, id);
        expect(frames.filter((f) => f.type.startsWith("message.")).at(-1)?.payload?.content).toBe(REPLY);
      }
      // The session API says the history is unavailable rather than answering "no such session".
      const unavailable = await fetch(`http://127.0.0.1:${gateways[0].port}/api/sessions/down/messages`, {
        headers: AUTH,
      });
      expect(unavailable.status).toBe(503);
      expect((await unavailable.json()).error).toBe("history_unavailable");
      const lost = gateways[0].child.stderr().match(/redis connection lost/g) ?? [];
      expect(lost.length).toBe(1);

      await redis.restart();
      await until("status redis connected on all three", async () => {
        const all = await Promise.all(gateways.map(status));
        return all.every((s) => s.cluster.redis === "connected");
      });
      // Sockets that were open through the outage get frames from the other instance again.
      const b = await open(gateways[1], "down");
      await until("cross-instance fan-out after the restart", async () => {
        const id = `d-after-${crypto.randomUUID()}`;
        send(b, id, "after the outage");
        await replyTo(b, id);
        return a1.frames.some((f) => f.type === "message.create" && f.payload?.reply_to === id);
      });
      expect(gateways[0].child.stderr()).toContain("redis connection restored");
      // What was said during the outage waited in memory and is in the (restarted, empty) history now.
      const res = await fetch(`http://127.0.0.1:${gateways[1].port}/api/sessions/down/messages`, { headers: AUTH });
      const { messages } = await res.json() as { messages: { role: string; content: string }[] };
      expect(messages.slice(0, 6).map((m) => [m.role, m.content])).toEqual(
        Array(3).fill([["user", "during the outage"], ["assistant", REPLY]]).flat(),
      );
      expect(gateways[0].child.stderr().match(/chat history held while redis was down is written now/g)?.length)
        .toBe(1);
    },
    TIMEOUT_MS,
  );

  test("one instance killed with -9: the others keep working and the instance count drops", async () => {
    const dead = gateways.pop()!;
    await until("three instances before", async () => (await status(gateways[0])).cluster.instances === 3);
    dead.child.proc.kill("SIGKILL");
    await dead.child.proc.exited;
    dead.home.remove();
    await until("two instances", async () => (await status(gateways[0])).cluster.instances === 2);
    const [a, b] = await Promise.all([open(gateways[0], "after-kill"), open(gateways[1], "after-kill")]);
    send(b, "k1", "still there?");
    await replyTo(a, "k1");
    await replyTo(b, "k1");
  }, TIMEOUT_MS);
});

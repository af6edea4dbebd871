import { Conversation, MAX_QUEUED_PER_SESSION } from "../mod/conversation/mod.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { MemoryHistoryStore } from "../mod/history/mod.ts";
import { type Agent, createEchoAgent } from "../mod/agent/mod.ts";
import { PicoChannel } from "../mod/channel/mod.ts";
import { type Gateway, startGateway } from "../mod/gateway/mod.ts";
import { createLogger } from "../mod/log/mod.ts";
import { createMetrics } from "../mod/metrics/mod.ts";
import { AUTH, chat, openPico, TOKEN } from "./helpers/gateway.ts";
import { makeStore } from "./helpers/store.ts";

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`, saying what it waited for. */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** An in-process agent that echoes, but holds every reply until `release()` (a slow LLM, without timing). */
function gatedAgent() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const seen = { started: 0 };
  const agent: Agent = {
    provider: "echo",
    model: "",
    reply: async function* (request) {
      seen.started++;
      await gate;
      yield { text: request.content };
    },
  };
  return { agent, seen, release: () => open() };
}

/** A real gateway on 127.0.0.1 port 0 with the Pico channel on, the frame rate limit off, and `agent`. */
function startGatewayWith(agent: Agent): { gateway: Gateway; channel: PicoChannel; url(path: string): string } {
  const store = makeStore({
    gateway: { host: "127.0.0.1", port: 0 },
    channels: { pico: { enabled: true, token: TOKEN, max_frames_per_second: 0 } },
  });
  const log = createLogger({ stderr: false });
  const metrics = createMetrics();
  const history = new MemoryHistoryStore();
  const channel = new PicoChannel({
    store,
    conversation: new Conversation({ agent, history, log, metrics }),
    log,
    metrics,
  });
  const gateway = startGateway({ store, channel, history, agent, log, metrics });
  return { gateway, channel, url: (path) => `127.0.0.1:${gateway.port}${path}` };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("Pico channel per-session queue", () => {
  test("past 64 waiting requests in one session, message.send gets rate_limited and POST /api/messages 429", async () => {
    const gated = gatedAgent();
    const gw = startGatewayWith(gated.agent);
    stop = () => gw.gateway.stop();
    const client = await openPico(`ws://${gw.url("/pico?session_id=capped")}`);
    const total = MAX_QUEUED_PER_SESSION + 6;
    for (let i = 0; i < total; i++) client.send({ type: "message.send", id: `m${i}`, payload: { content: `c${i}` } });

    // Frames of one socket are handled in order: once the pong is back, all 70 were handled.
    client.send({ type: "ping", id: "fence" });
    await client.next("pong");
    // The excess was refused at once, while the first request still holds the agent.
    const refused = client.frames.filter((f) => f.type === "error");
    expect(refused.map((f) => f.payload?.code)).toEqual(Array(6).fill("rate_limited"));
    expect(refused.map((f) => f.payload?.request_id)).toEqual(["m64", "m65", "m66", "m67", "m68", "m69"]);

    const post = (content: string) =>
      fetch(`http://${gw.url("/api/messages")}`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ content, session_id: "capped" }),
      });
    const full = await post("one too many");
    expect(full.status).toBe(429);
    expect((await full.json()).error).toBe("rate_limited");

    gated.release();
    const answered: string[] = [];
    for (let i = 0; i < MAX_QUEUED_PER_SESSION; i++) {
      answered.push(String((await client.next("message.create")).payload?.content));
    }
    expect(answered).toEqual(Array.from({ length: MAX_QUEUED_PER_SESSION }, (_, i) => `c${i}`));
    // Once the queue has drained, the session takes requests again.
    const after = await post("after the drain");
    expect(after.status).toBe(200);
    expect((await after.json()).content).toBe("after the drain");
    expect(client.frames.filter((f) => f.type === "error")).toHaveLength(6);
    client.close();
  });
});

describe("Pico channel session tracking", () => {
  test("sessions are forgotten once their sockets close and their replies finish", async () => {
    const gw = startGatewayWith(createEchoAgent());
    stop = () => gw.gateway.stop();
    const clients = await Promise.all(
      Array.from({ length: 40 }, (_, i) => openPico(`ws://${gw.url(`/pico?session_id=visitor-${i}`)}`)),
    );
    for (const client of clients) await chat(client, "hello");
    expect(gw.channel.trackedSessions).toBe(40);
    for (const client of clients) client.close();
    await until("every session to be dropped", () => gw.channel.trackedSessions === 0);
  });

  test("a session whose socket closed is kept while its reply runs, then forgotten", async () => {
    const gated = gatedAgent();
    const gw = startGatewayWith(gated.agent);
    stop = () => gw.gateway.stop();
    const client = await openPico(`ws://${gw.url("/pico?session_id=leaving")}`);
    client.send({ type: "message.send", id: "q", payload: { content: "answer after I leave" } });
    await client.next("typing.start");
    client.close();
    await until("the server to see the close", () => gw.channel.status().connections === 0);
    expect(gw.channel.trackedSessions).toBe(1);
    gated.release();
    await until("the session to be dropped after its reply", () => gw.channel.trackedSessions === 0);
  });
});

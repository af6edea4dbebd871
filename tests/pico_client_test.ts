import { afterEach, describe, expect, test } from "bun:test";
import { createEchoAgent } from "../mod/agent/mod.ts";
import { Conversation } from "../mod/conversation/mod.ts";
import { ConfigSchema } from "../mod/config/mod.ts";
import { type HistoryStore, MemoryHistoryStore } from "../mod/history/mod.ts";
import { createLogger } from "../mod/log/mod.ts";
import { PicoClient } from "../mod/pico/mod.ts";
import { eventually, startRemotePico } from "./helpers/remote_pico.ts";

const TOKEN = "remote-pico-token-0123456789";
const PNG = "data:image/png;base64,iVBORw0KGgo=";

let client: PicoClient | undefined;
let remote: ReturnType<typeof startRemotePico> | undefined;
let logs: string[] = [];
afterEach(() => {
  void client?.stop();
  client = undefined;
  remote?.stop();
  remote = undefined;
  logs = [];
});

function makeClient(
  settings: Record<string, unknown>,
  liveness: { ping_interval: number; read_timeout: number; max_message_bytes?: number } = {
    ping_interval: 30,
    read_timeout: 60,
  },
  streamQuietMs?: number,
  history?: HistoryStore,
) {
  const config = ConfigSchema.parse({ channels: { pico_client: { enabled: true, ...settings } } });
  client = new PicoClient({
    settings: config.channels.pico_client,
    liveness,
    streamQuietMs,
    conversation: new Conversation({
      agent: createEchoAgent(),
      history: history ?? new MemoryHistoryStore(),
      log: createLogger({ stderr: false }),
    }),
    log: createLogger({ stderr: (line) => logs.push(line), level: "debug" }),
  });
  client.start();
  return client;
}

describe("PicoClient against a remote Pico server", () => {
  test("dials with the Bearer token and session_id, and answers message.create with message.send", async () => {
    remote = startRemotePico(TOKEN, {
      greet: [
        { type: "message.create", payload: { message_id: "p", content: "thinking…", placeholder: true } },
        { type: "message.create", payload: { message_id: "t", content: "hmm", kind: "thought" } },
        { type: "message.create", payload: { message_id: "m1", content: "hello client" } },
      ],
    });
    makeClient({ url: remote.url, token: TOKEN, session_id: "room-7" });
    await eventually(() => remote!.received.some((f) => f.type === "message.send"), 5000, "message.send");
    expect(remote.handshakes[0]).toEqual({ authorization: `Bearer ${TOKEN}`, sessionId: "room-7" });
    const sends = remote.received.filter((f) => f.type === "message.send");
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ session_id: "room-7", payload: { content: "hello client" } });
    expect(client!.status()).toMatchObject({ enabled: true, connected: true, state: "connected", reconnects: 0 });
    expect(client!.status().connected_since).not.toBeNull();
  });

  test("keeps the remote's message and the answer in history as pico_client:<id>, channel pico_client", async () => {
    remote = startRemotePico(TOKEN, {
      greet: [{ type: "message.create", session_id: "room-9", payload: { message_id: "m1", content: "hi there" } }],
    });
    const history = new MemoryHistoryStore();
    makeClient({ url: remote.url, token: TOKEN, session_id: "room-9" }, undefined, undefined, history);
    await eventually(() => remote!.received.some((f) => f.type === "message.send"), 5000, "message.send");
    const rows = await history.messages("pico_client:room-9");
    expect(rows?.map((r) => `${r.role}:${r.content}:${r.channel}`)).toEqual([
      "user:hi there:pico_client",
      "assistant:hi there:pico_client",
    ]);
    expect(await history.messages("room-9")).toBeUndefined();
  });

  test("hands a media-only reply (create, then media.create) to the agent and sends the media back", async () => {
    remote = startRemotePico(TOKEN, {
      greet: [
        { type: "message.create", payload: { message_id: "m", content: "" } },
        { type: "media.create", payload: { message_id: "m", media: [PNG] } },
      ],
    });
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => remote!.received.some((f) => f.type === "message.send"));
    expect(remote.received.find((f) => f.type === "message.send")?.payload).toEqual({ content: "", media: [PNG] });
  });

  test("answers the remote's ping with pong, and sends its own pings", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN }, { ping_interval: 1, read_timeout: 5 });
    await eventually(() => client!.status().connected);
    remote.send({ type: "ping", id: "from-remote" });
    await eventually(() => remote!.received.some((f) => f.type === "pong" && f.id === "from-remote"));
    await eventually(() => remote!.received.some((f) => f.type === "ping"), 3000, "client ping");
  });

  test("comes back after the remote is killed and restarted on the same port, with one connection", async () => {
    remote = startRemotePico(TOKEN);
    const port = remote.port;
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    remote.stop();
    await eventually(() => client!.status().state !== "connected");
    expect(client!.status().next_retry_in_s).not.toBeNull();
    await Bun.sleep(300);
    remote = startRemotePico(TOKEN, {}, port);
    // First retry after 1 s ±20 %, then 2 s ±20 %: back within 1.2 + 2.4 s at worst.
    await eventually(() => client!.status().connected, 4000, "reconnect");
    await Bun.sleep(1500);
    expect(remote.sockets.size).toBe(1);
    expect(remote.handshakes.length).toBe(1);
    expect(client!.status().reconnects).toBeGreaterThanOrEqual(1);
  });

  test("treats a 401 as auth_failed, logs it once, and retries only at the longest backoff", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: "the-wrong-remote-token" });
    await eventually(() => client!.status().state === "auth_failed");
    const status = client!.status();
    expect(status.connected).toBe(false);
    expect(status.last_error).toContain("401");
    expect(status.next_retry_in_s).toBeGreaterThanOrEqual(47);
    expect(status.next_retry_in_s).toBeLessThanOrEqual(72);
    await Bun.sleep(1500);
    expect(remote.handshakes).toHaveLength(1);
    expect(logs.filter((l) => l.includes("remote refused the token")).length).toBe(1);
    expect(logs.join("")).not.toContain("the-wrong-remote-token");
  });

  test("treats read_timeout of silence as a dead link and redials", async () => {
    remote = startRemotePico(TOKEN, { answerPings: false });
    makeClient({ url: remote.url, token: TOKEN }, { ping_interval: 1, read_timeout: 1 });
    await eventually(() => client!.status().connected);
    await eventually(() => remote!.handshakes.length >= 2, 6000, "redial after read timeout");
    expect(remote.closes).toContain(4000);
  });

  test("stop() closes with 1000 and does not reconnect", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    client!.stop();
    await eventually(() => remote!.closes.length === 1);
    expect(remote.closes).toEqual([1000]);
    await Bun.sleep(1500);
    expect(remote.handshakes).toHaveLength(1);
    expect(client!.status().state).toBe("disconnected");
  });

  test("reconfigure() redials with the new settings", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: "wrong-at-first-0000" });
    await eventually(() => client!.status().state === "auth_failed");
    const config = ConfigSchema.parse({ channels: { pico_client: { enabled: true, url: remote.url, token: TOKEN } } });
    client!.reconfigure(config.channels.pico_client);
    await eventually(() => client!.status().connected);
    expect(client!.status().last_error).toBeNull();
  });
});

/** The contents of the client's `message.send`s so far. */
function answers(): string[] {
  return remote!.received.filter((f) => f.type === "message.send").map((f) => String(f.payload?.content));
}

/**
 * Sends a last message and waits for its answer. The client answers in arrival order, so
 * once the canary is answered every earlier message has been answered or dropped: what
 * `answers()` holds then is final, with no fixed sleep.
 */
async function afterCanary(): Promise<string[]> {
  remote!.send({ type: "message.create", payload: { message_id: "canary", content: "canary" } });
  remote!.send({ type: "typing.stop", payload: {} });
  await eventually(() => answers().includes("canary"), 5000, "the canary's answer");
  return answers();
}

describe("PicoClient with remote replies that stream, carry media or answer the client", () => {
  test("a streamed reply goes to the agent once, with its final text, at the typing.stop that ends it", async () => {
    remote = startRemotePico(TOKEN);
    // A quiet period longer than the test: only typing.stop can end the message.
    makeClient({ url: remote.url, token: TOKEN }, undefined, 60_000);
    await eventually(() => client!.status().connected);
    remote.send({ type: "typing.start", payload: {} });
    remote.send({ type: "message.create", payload: { message_id: "s1", content: "You" } });
    remote.send({ type: "message.update", payload: { message_id: "s1", content: "You are" } });
    remote.send({ type: "message.update", payload: { message_id: "s1", content: "You are here" } });
    remote.send({ type: "typing.stop", payload: {} });
    expect(await afterCanary()).toEqual(["You are here", "canary"]);
  });

  test("a streamed reply without typing frames goes to the agent once, 2 s after its last update", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    remote.send({ type: "message.create", payload: { message_id: "q1", content: "He" } });
    remote.send({ type: "message.update", payload: { message_id: "q1", content: "Hello" } });
    remote.send({ type: "message.update", payload: { message_id: "q1", content: "Hello there" } });
    await eventually(() => answers().length === 1, 5000, "the quiet period's answer");
    expect(answers()).toEqual(["Hello there"]);
    // A late update of an answered message is not a new message.
    remote.send({ type: "message.update", payload: { message_id: "q1", content: "Hello there!" } });
    expect(await afterCanary()).toEqual(["Hello there", "canary"]);
  });

  test("remote media reaches the agent only as inline data:image base64; other media is dropped with a debug log", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    const bad = ["https://evil.example/x.png", { url: "file:///etc/passwd" }, "data:text/html;base64,PGI+"];
    remote.send({ type: "message.create", payload: { message_id: "m1", content: "look" } });
    remote.send({ type: "media.create", payload: { message_id: "m1", media: [PNG, ...bad] } });
    remote.send({ type: "message.create", payload: { message_id: "m2", content: "" } });
    remote.send({ type: "media.create", payload: { message_id: "m2", media: bad } });
    remote.send({ type: "typing.stop", payload: {} });
    // m2 had nothing but refused media: never handed to the agent.
    expect(await afterCanary()).toEqual(["look", "canary"]);
    const first = remote.received.find((f) => f.type === "message.send")!;
    expect(first.payload).toEqual({ content: "look", media: [PNG] });
    expect(logs.filter((l) => l.includes("dropped remote media")).length).toBe(2);
    expect(logs.join("")).not.toContain("etc/passwd");
  });

  test("loop guard: every message.send has an id, and the remote's answer to it (reply_to) is not answered", async () => {
    remote = startRemotePico(TOKEN, { answerSends: true });
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    remote.send({ type: "message.create", payload: { message_id: "h1", content: "hello" } });
    remote.send({ type: "typing.stop", payload: {} });
    await eventually(() => answers().length === 1, 5000, "the first answer");
    expect(await afterCanary()).toEqual(["hello", "canary"]);
    const ids = remote.received.filter((f) => f.type === "message.send").map((f) => f.id);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("a remote message.create with reply_to that is not one of ours is answered", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN });
    await eventually(() => client!.status().connected);
    remote.send({ type: "message.create", payload: { message_id: "x1", content: "for someone", reply_to: "other" } });
    remote.send({ type: "typing.stop", payload: {} });
    expect(await afterCanary()).toEqual(["for someone", "canary"]);
  });

  test("a remote frame over max_message_bytes is dropped, not handed to the agent", async () => {
    remote = startRemotePico(TOKEN);
    makeClient({ url: remote.url, token: TOKEN }, { ping_interval: 30, read_timeout: 60, max_message_bytes: 1024 });
    await eventually(() => client!.status().connected);
    remote.send({ type: "message.create", payload: { message_id: "big", content: "é".repeat(600) } });
    remote.send({ type: "message.create", payload: { message_id: "small", content: "small enough" } });
    remote.send({ type: "typing.stop", payload: {} });
    expect(await afterCanary()).toEqual(["small enough", "canary"]);
  });
});

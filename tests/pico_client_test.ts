import { afterEach, describe, expect, test } from "bun:test";
import { createEchoAgent } from "../mod/agent/mod.ts";
import { ConfigSchema } from "../mod/config/mod.ts";
import { createLogger } from "../mod/log/mod.ts";
import { PicoClient } from "../mod/pico/mod.ts";
import { eventually, startRemotePico } from "./helpers/remote_pico.ts";

const TOKEN = "remote-pico-token-0123456789";
const PNG = "data:image/png;base64,iVBORw0KGgo=";

let client: PicoClient | undefined;
let remote: ReturnType<typeof startRemotePico> | undefined;
let logs: string[] = [];
afterEach(() => {
  client?.stop();
  client = undefined;
  remote?.stop();
  remote = undefined;
  logs = [];
});

function makeClient(settings: Record<string, unknown>, liveness = { ping_interval: 30, read_timeout: 60 }) {
  const config = ConfigSchema.parse({ channels: { pico_client: { enabled: true, ...settings } } });
  client = new PicoClient({
    settings: config.channels.pico_client,
    liveness,
    agent: createEchoAgent(),
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

  test("hands media.create to the agent and sends the media back", async () => {
    remote = startRemotePico(TOKEN, { greet: [{ type: "media.create", payload: { message_id: "m", media: [PNG] } }] });
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

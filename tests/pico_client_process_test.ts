import { afterEach, describe, expect, test } from "bun:test";
import { type GatewayProcess, startGatewayProcess } from "./helpers/binary.ts";
import { type FakeOpenAIRequest, startFakeOpenAI } from "./helpers/fake_openai.ts";
import { chat, openPico, type TestPicoClient } from "./helpers/gateway.ts";
import { eventually, startRemotePico } from "./helpers/remote_pico.ts";

const B_TOKEN = "gateway-b-token-0123456789abcdef";
const A_TOKEN = "gateway-a-token-0123456789abcdef";

const A_KEY = "sk-gateway-a-0123456789abcdef";
const B_KEY = "sk-gateway-b-0123456789abcdef";

const gateways: GatewayProcess[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const gateway of gateways.splice(0)) await gateway.stop();
});

/** The env that makes a gateway's agent the fake OpenAI server. */
function openaiAgent(fake: { baseUrl: string }, key: string, stream: boolean): Record<string, string> {
  return {
    PICOCLAW_AGENT_PROVIDER: "openai",
    PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
    PICOCLAW_AGENT_API_KEY: key,
    PICOCLAW_AGENT_MODEL: "fake-model",
    PICOCLAW_AGENT_STREAM: String(stream),
  };
}

/** The text of every message a fake LLM request carried (history and the new turn). */
function contextOf(request: FakeOpenAIRequest): string {
  return JSON.stringify(request.body.messages);
}

/** The last user message of a fake LLM request. */
function lastUser(request: FakeOpenAIRequest): unknown {
  return request.body.messages.filter((m) => m.role === "user").at(-1)?.content;
}

/**
 * Polls `count` until it has not changed for `quietMs`, and returns it; fails after
 * `deadlineMs` if it never settles (an endless exchange never does).
 */
async function untilQuiet(count: () => number, quietMs = 3000, deadlineMs = 20_000): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`Still changing after ${deadlineMs} ms (now ${count()})`);
    await Bun.sleep(50);
    if (count() !== last) [last, since] = [count(), Date.now()];
  }
  return last;
}

async function postMessage(port: number, token: string, content: string, sessionId: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ content, session_id: sessionId }),
  });
  expect(res.status).toBe(200);
  return await res.json();
}

/** Starts gateway B with the Pico channel on, and gateway A set to dial it as a Pico client in session `from-a`. */
async function startPair(envA: Record<string, string> = {}, envB: Record<string, string> = {}) {
  const portB = await startGateway({
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: B_TOKEN,
    ...envB,
  });
  const portA = await startGateway({
    PICOCLAW_CHANNELS_PICO_TOKEN: A_TOKEN,
    PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_CLIENT_URL: `ws://127.0.0.1:${portB}/pico`,
    PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: B_TOKEN,
    PICOCLAW_CHANNELS_PICO_CLIENT_SESSION_ID: "from-a",
    ...envA,
  });
  return { portA, portB };
}

/** {@link startPair}, once A is connected to B, with an observer socket on B's session `from-a`. */
async function linkedPair(envA: Record<string, string>, envB: Record<string, string>) {
  const { portA, portB } = await startPair(envA, envB);
  await eventually(
    () => {
      void status(portB, B_TOKEN).then((s) => (connectionsB = s.pico.connections));
      return connectionsB === 1;
    },
    8000,
    "A connected to B",
  );
  // Watches B's session from-a: every frame B sends there, A gets too.
  const observer: TestPicoClient = await openPico(`ws://127.0.0.1:${portB}/pico?session_id=from-a`, {
    headers: { authorization: `Bearer ${B_TOKEN}` },
  });
  cleanups.push(() => observer.close());
  return { portA, portB, observer };
}
let connectionsB = 0;

async function startGateway(env: Record<string, string>): Promise<number> {
  const gateway = await startGatewayProcess(env);
  gateways.push(gateway);
  return gateway.port;
}

async function status(port: number, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  return await res.json();
}

describe("Pico client (two processes)", () => {
  test("gateway A dials gateway B's /pico: A shows connected, B shows the connection", async () => {
    const { portA, portB } = await startPair();
    let a: { pico_client: { state: string; connected: boolean } } | undefined;
    await eventually(
      () => {
        void status(portA, A_TOKEN).then((s) => (a = s));
        return a?.pico_client.connected === true;
      },
      8000,
      "A connected",
    );
    expect(a!.pico_client.state).toBe("connected");
    const b = await status(portB, B_TOKEN);
    expect(b.pico).toEqual({ enabled: true, connections: 1, sessions: 1 });
    for (const gateway of gateways) {
      expect(gateway.child.stderr()).not.toContain(B_TOKEN);
      expect(gateway.child.stderr()).not.toContain(A_TOKEN);
    }
  });

  test("SIGTERM closes the client's socket with 1000 and the process exits 0", async () => {
    const remote = startRemotePico(B_TOKEN);
    try {
      await startGateway({
        PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_CLIENT_URL: remote.url,
        PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: B_TOKEN,
      });
      await eventually(() => remote.sockets.size === 1, 8000, "client connected");
      const gateway = gateways.pop()!;
      expect(await gateway.stop()).toBe(0);
      await eventually(() => remote.closes.length === 1);
      expect(remote.closes).toEqual([1000]);
    } finally {
      remote.stop();
    }
  });

  test("a remote session x is pico_client:x for the agent: no history shared with the local session x", async () => {
    const fake = startFakeOpenAI(A_KEY, { reply: "noted" });
    cleanups.push(() => fake.stop());
    const remote = startRemotePico(B_TOKEN);
    cleanups.push(() => remote.stop());
    const portA = await startGateway({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: A_TOKEN,
      PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_CLIENT_URL: remote.url,
      PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: B_TOKEN,
      PICOCLAW_CHANNELS_PICO_CLIENT_SESSION_ID: "x",
      ...openaiAgent(fake, A_KEY, false),
    });
    await eventually(() => remote.sockets.size === 1, 8000, "the client connected");
    const local = await openPico(`ws://127.0.0.1:${portA}/pico?session_id=x`, {
      headers: { authorization: `Bearer ${A_TOKEN}` },
    });
    cleanups.push(() => local.close());
    const sends = () => remote.received.filter((f) => f.type === "message.send");
    const remoteTurn = async (content: string, n: number) => {
      remote.send({ type: "message.create", payload: { message_id: `r${n}`, content } });
      remote.send({ type: "typing.stop", payload: {} });
      await eventually(() => sends().length === n, 8000, `answer ${n} to the remote`);
    };
    await chat(local, "local secret turn");
    await remoteTurn("remote turn one", 1);
    await chat(local, "local second turn");
    await remoteTurn("remote turn two", 2);

    const byTurn = (text: string) => fake.requests.find((r) => lastUser(r) === text)!;
    expect(fake.requests).toHaveLength(4);
    // Each side keeps its own history...
    expect(contextOf(byTurn("remote turn two"))).toContain("remote turn one");
    expect(contextOf(byTurn("local second turn"))).toContain("local secret turn");
    // ...and never sees the other's.
    for (const turn of ["remote turn one", "remote turn two"]) {
      expect(contextOf(byTurn(turn))).not.toContain("local secret turn");
    }
    expect(contextOf(byTurn("local second turn"))).not.toContain("remote turn one");
    // The answers go back in the remote's own session id.
    expect(sends().map((f) => f.session_id)).toEqual(["x", "x"]);
  }, 30_000);

  test("two binaries: B streams its reply; A's agent gets it once, whole, and the exchange stops", async () => {
    const reply = "You are reading a reply that B streamed in several pieces.";
    const fakeB = startFakeOpenAI(B_KEY, { reply, chunkSize: 6, delayMs: 120 });
    const fakeA = startFakeOpenAI(A_KEY, { reply: "A has read it" });
    cleanups.push(() => fakeA.stop(), () => fakeB.stop());
    const { portB, observer } = await linkedPair(openaiAgent(fakeA, A_KEY, false), openaiAgent(fakeB, B_KEY, true));

    await postMessage(portB, B_TOKEN, "tell A something", "from-a");
    await eventually(() => fakeA.requests.length === 1, 10_000, "A's agent called");
    const turnsB = await untilQuiet(() => fakeB.requests.length);
    const updates = observer.frames.filter((f) => f.type === "message.update").length;
    console.log(
      `linked binaries: B streamed ${updates} message.update frames; A's agent turns: ${fakeA.requests.length}`,
    );
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(fakeA.requests).toHaveLength(1);
    expect(lastUser(fakeA.requests[0])).toBe(reply);
    // B answered the API message and A's one reply; its answer to A carries reply_to and ends there.
    expect(turnsB).toBe(2);
    expect(lastUser(fakeB.requests[1])).toBe("A has read it");
  }, 40_000);

  test("two echo binaries linked exchange one turn per message, never an endless exchange", async () => {
    const { portB, observer } = await linkedPair({}, {});
    const creates = () => observer.frames.filter((f) => f.type === "message.create");
    await postMessage(portB, B_TOKEN, "first hello", "from-a");
    await postMessage(portB, B_TOKEN, "second hello", "from-a");
    const count = await untilQuiet(() => creates().length);
    // Per message: B's answer to the API call, A's echo of it answered once by B (with reply_to).
    expect(count).toBe(4);
    const answersToA = creates().filter((f) => f.payload?.reply_to !== undefined);
    expect(answersToA.map((f) => f.payload?.content)).toEqual(["first hello", "second hello"]);
  }, 40_000);
});

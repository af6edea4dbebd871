import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type GatewayProcess, startGatewayProcess } from "./helpers/binary.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { startFloodPico } from "./helpers/flood_pico.ts";
import { eventually } from "./helpers/remote_pico.ts";

const REMOTE_TOKEN = "flood-remote-token-0123456789abcdef";
const API_KEY = "sk-flood-test-0123456789abcdef";
const FLOOD = 300_000;
const GATEWAY_TOKEN = "flood-gateway-token-0123456789abcdef";

/** Whether the gateway's Pico client says it is connected (`/api/status`). */
async function clientConnected(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`, {
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}` },
  });
  return (await res.json()).pico_client.connected;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) =>
    Number(/^(\w+):\s+(\d+) kB$/m.exec(status.split("\n").find((l) => l.startsWith(key)) ?? "")?.[2]);
  return { peakMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024 };
}

/** A gate for the fake LLM: its answers wait until `open()`. */
function gate() {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The last user message of a request the fake LLM got. */
function lastUser(body: { messages: { role: string; content: unknown }[] }): unknown {
  return body.messages.filter((m) => m.role === "user").at(-1)?.content;
}

describe("Pico client under a flooding remote (binary)", () => {
  test(
    "300 000 remote messages: bounded memory and agent calls, and no agent call after the remote drops",
    async () => {
      const held = gate();
      const fake = startFakeOpenAI(API_KEY, { reply: "ok", gate: held.promise });
      cleanups.push(() => fake.stop());
      const remote = startFloodPico(REMOTE_TOKEN);
      cleanups.push(() => remote.stop());
      const gateway: GatewayProcess = await startGatewayProcess({
        PICOCLAW_CHANNELS_PICO_TOKEN: GATEWAY_TOKEN,
        PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_CLIENT_URL: remote.url,
        PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: REMOTE_TOKEN,
        PICOCLAW_AGENT_PROVIDER: "openai",
        PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
        PICOCLAW_AGENT_API_KEY: API_KEY,
        PICOCLAW_AGENT_MODEL: "fake-model",
        PICOCLAW_AGENT_STREAM: "false",
      });
      cleanups.push(() => gateway.stop());
      const pid = gateway.child.proc.pid;
      await eventually(() => remote.sockets.size === 1, 8000, "the client connected");
      const before = memoryOf(pid);

      // The flood, while the LLM holds its first answer: one call runs, 64 messages wait.
      const started = performance.now();
      await remote.flood(FLOOD);
      // The client answers a ping only after reading every frame sent before it.
      remote.send("ping", {}, "after-flood");
      await eventually(() => remote.received.some((f) => f.type === "pong" && f.id === "after-flood"), 60_000, "pong");
      const floodSeconds = (performance.now() - started) / 1000;
      const during = memoryOf(pid);
      expect(fake.requests.length).toBe(1);

      // Let the LLM answer; a canary comes last, so once it is answered the queue is empty.
      fake.behaviour.gate = undefined;
      held.open();
      remote.send("message.create", { message_id: "canary-1", content: "canary one" });
      remote.send("typing.stop");
      await eventually(() => fake.requests.some((r) => lastUser(r.body) === "canary one"), 30_000, "canary one");
      const callsAfterFlood = fake.requests.length;
      // At most: the held call, 64 waiting, the 4 streamed messages still open, and the canary.
      expect(callsAfterFlood).toBeLessThanOrEqual(1 + 64 + 4 + 1);

      // Queue work again behind a held call, then drop the socket: none of it may reach the LLM.
      const heldAgain = gate();
      fake.behaviour.gate = heldAgain.promise;
      await remote.flood(100, "second");
      remote.send("typing.stop");
      await eventually(() => fake.requests.length === callsAfterFlood + 1, 10_000, "the held call");
      remote.dropAll();
      // Open the gate only once the client has seen the drop: from then on its held call must end without effect.
      let connected = true;
      await eventually(
        () => {
          void clientConnected(gateway.port).then((c) => (connected = c));
          return !connected;
        },
        10_000,
        "the client saw the drop",
      );
      heldAgain.open();
      fake.behaviour.gate = undefined;
      await eventually(() => remote.handshakes() >= 2 && remote.sockets.size === 1, 10_000, "the client reconnected");
      remote.send("message.create", { message_id: "canary-2", content: "canary two" });
      remote.send("typing.stop");
      await eventually(() => fake.requests.some((r) => lastUser(r.body) === "canary two"), 10_000, "canary two");
      // The answers run in order: had any dropped-connection work survived, it would have come before canary two.
      expect(fake.requests.length).toBe(callsAfterFlood + 2);

      const after = memoryOf(pid);
      console.log(
        `pico client flood: ${FLOOD} frames in ${floodSeconds.toFixed(1)} s; RSS ${
          before.rssMiB.toFixed(0)
        } MiB before, ` +
          `${during.rssMiB.toFixed(0)} MiB after the flood, peak (VmHWM) ${after.peakMiB.toFixed(0)} MiB; ` +
          `agent calls: 1 during the flood, ${callsAfterFlood} after it, ${fake.requests.length} in all`,
      );
      // Bounded, not proportional to the flood: on a quiet machine the peak is ~106 MiB for 150 000
      // frames, ~108 MiB for 300 000 and ~110 MiB for 600 000. Under CPU contention (CI running
      // beside other work) frames wait longer in Bun's buffers and the peak has reached 170 MiB.
      expect(after.peakMiB).toBeLessThan(200);
      const warnings = gateway.child.stderr().split("\n").filter((l) => l.includes("dropping the oldest"));
      expect(warnings.length).toBeLessThanOrEqual(2);
      expect(gateway.child.stderr()).not.toContain(REMOTE_TOKEN);
      expect(gateway.child.stderr()).not.toContain(API_KEY);
    },
    120_000,
  );
});

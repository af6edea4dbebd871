import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { type GatewayProcess, startGatewayProcess } from "../helpers/binary.ts";
import { chat, openPico, type TestPicoClient, TOKEN } from "../helpers/gateway.ts";
import { eventually, type Misbehaviour, startMaliciousAgent } from "../helpers/malicious_agent.ts";

setDefaultTimeout(120_000);

/** The peak RSS the gateway may reach while a malicious agent server misbehaves. */
const MAX_PEAK_RSS_MB = 150;
/** Each scenario must be over well within this (the limits cut it off in well under a second). */
const SCENARIO_TIMEOUT_MS = 20_000;
/** Rounds of all attacks in a row, to show nothing accumulates (bounded to 60 s as well). */
const REPEAT_ROUNDS = 8;

let agent: ReturnType<typeof startMaliciousAgent>;
let gateway: GatewayProcess;
let client: TestPicoClient;

/** VmHWM (peak resident set) and VmRSS of a process, in MB, from /proc/<pid>/status. */
function memoryMb(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))?.[1] ?? NaN);
  return { peak: kb("VmHWM") / 1024, rss: kb("VmRSS") / 1024 };
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs), so each scenario has its own peak. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  agent = startMaliciousAgent();
  gateway = await startGatewayProcess({
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
    PICOCLAW_AGENT_PROVIDER: "openai",
    PICOCLAW_AGENT_BASE_URL: agent.baseUrl,
    PICOCLAW_AGENT_MODEL: "malicious",
    PICOCLAW_AGENT_TIMEOUT: "60",
    // The attacks go back to back, faster than the default 20 frames/s a connection may send.
    PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0",
  });
  client = await openPico(`ws://127.0.0.1:${gateway.port}/pico?session_id=attacked`);
});

afterAll(async () => {
  client?.close();
  await gateway?.stop();
  agent?.stop();
});

const SCENARIOS: { mode: Misbehaviour; limit: RegExp }[] = [
  { mode: "endless-line", limit: /SSE line over 1 MiB/ },
  { mode: "endless-event", limit: /SSE event over 1 MiB/ },
  { mode: "endless-deltas", limit: /agent\.max_reply_bytes \(1 MiB\)/ },
  { mode: "huge-json", limit: /body over 4 MiB/ },
  { mode: "huge-error", limit: /answered 500$/ },
  { mode: "redirect", limit: /answered 307, a redirect/ },
];

describe("gateway (binary) against a malicious agent server", () => {
  for (const { mode, limit } of SCENARIOS) {
    test(`${mode}: agent_error naming the limit, stream closed, peak RSS under ${MAX_PEAK_RSS_MB} MB`, async () => {
      const pid = gateway.child.proc.pid;
      const separatePeak = resetPeak(pid);
      const before = memoryMb(pid);
      const requestsBefore = agent.requests.length;
      const frames = await Promise.race([
        chat(client, mode),
        Bun.sleep(SCENARIO_TIMEOUT_MS).then(() => {
          throw new Error(`${mode}: no typing.stop within ${SCENARIO_TIMEOUT_MS} ms`);
        }),
      ]);
      const seen = agent.requests.slice(requestsBefore);
      const after = memoryMb(pid);
      console.log(
        `agent bounds figure: ${mode}: peak RSS ${after.peak.toFixed(1)} MB` +
          `${separatePeak ? " (this scenario)" : " (since start)"}, RSS ${before.rss.toFixed(1)} -> ` +
          `${after.rss.toFixed(1)} MB, ${((seen[0]?.bytesSent ?? 0) / 1048576).toFixed(1)} MiB sent by the server`,
      );
      expect(after.peak).toBeLessThan(MAX_PEAK_RSS_MB);
      const error = frames.find((f) => f.type === "error");
      expect(error?.payload?.code).toBe("agent_error");
      expect(String(error?.payload?.message)).toMatch(limit);
      expect(frames.at(-1)?.type).toBe("typing.stop");
      expect(seen).toHaveLength(1);
      if (mode === "redirect") expect(agent.redirectTargetCalls()).toBe(0);
      else expect(await eventually(() => seen[0].closed)).toBe(true);
      expect(seen[0].capped).toBe(false);
    });
  }

  test(`${REPEAT_ROUNDS} more rounds of every attack keep the peak RSS under ${MAX_PEAK_RSS_MB} MB`, async () => {
    const pid = gateway.child.proc.pid;
    const deadline = Date.now() + 60_000;
    for (let round = 0; round < REPEAT_ROUNDS && Date.now() < deadline; round++) {
      for (const { mode } of SCENARIOS) {
        const frames = await chat(client, mode);
        expect(frames.find((f) => f.type === "error")?.payload?.code).toBe("agent_error");
      }
    }
    const { peak, rss } = memoryMb(pid);
    console.log(
      `agent bounds figure: after ${REPEAT_ROUNDS} more rounds: peak RSS ${peak.toFixed(1)} MB, RSS ${
        rss.toFixed(1)
      } MB`,
    );
    expect(peak).toBeLessThan(MAX_PEAK_RSS_MB);
  });

  test("the connection stays usable: a normal message after the attacks gets its reply", async () => {
    const frames = await chat(client, "hello again");
    expect(frames.find((f) => f.type === "error")).toBeUndefined();
    expect(frames.find((f) => f.type === "message.create")?.payload?.content).toBe("ok: hello again");
    const { peak } = memoryMb(gateway.child.proc.pid);
    console.log(`agent bounds figure: after all scenarios: peak RSS ${peak.toFixed(1)} MB`);
  });
});

describe("gateway (binary) agent.max_reply_bytes", () => {
  test("PICOCLAW_AGENT_MAX_REPLY_BYTES sets the reply limit of the running gateway", async () => {
    const small = await startGatewayProcess({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_AGENT_PROVIDER: "openai",
      PICOCLAW_AGENT_BASE_URL: agent.baseUrl,
      PICOCLAW_AGENT_MODEL: "malicious",
      PICOCLAW_AGENT_MAX_REPLY_BYTES: "1000",
    });
    try {
      const smallClient = await openPico(`ws://127.0.0.1:${small.port}/pico`);
      const frames = await chat(smallClient, "endless-deltas");
      const error = frames.find((f) => f.type === "error");
      expect(error?.payload?.code).toBe("agent_error");
      expect(String(error?.payload?.message)).toContain("agent.max_reply_bytes (1000 bytes)");
      const shown = frames.filter((f) => f.type === "message.create" || f.type === "message.update");
      for (const frame of shown) expect(Buffer.byteLength(String(frame.payload?.content))).toBeLessThanOrEqual(1000);
      smallClient.close();
    } finally {
      await small.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { type GatewayProcess, startGatewayProcess } from "../helpers/binary.ts";
import { openPico, type ServerFrame, type TestPicoClient } from "../helpers/gateway.ts";
import { rssBytes } from "../../bench/lib.ts";

setDefaultTimeout(120_000);

const TOKEN = "fuzz-pico-token-0123456789abcdef";
const MAX_BYTES = 65536;
/** `make test` sends 10 000 frames; `make test-slow` sends 50 000. */
const FRAMES = process.env.PICOCLAW_SLOW ? 50_000 : 10_000;
const BATCH = 50;

const SERVER_TYPES = new Set([
  "message.create",
  "message.update",
  "message.delete",
  "media.create",
  "typing.start",
  "typing.stop",
  "pong",
  "error",
]);
const ERROR_CODES = new Set([
  "invalid_message",
  "unknown_type",
  "empty_content",
  "invalid_media",
  "agent_error",
  "rate_limited",
]);

let gateway: GatewayProcess;
let port: number;

beforeAll(async () => {
  gateway = await startGatewayProcess({
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
    PICOCLAW_CHANNELS_PICO_MAX_MESSAGE_BYTES: String(MAX_BYTES),
    // Every fuzz frame should be parsed, not dropped by the frame rate limit.
    PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0",
  });
  port = gateway.port;
});
afterAll(async () => {
  await gateway.stop();
});

/** Every reply must be a valid server frame. Returns what is wrong with it, or "". */
function problemWith(frame: ServerFrame): string {
  if (!SERVER_TYPES.has(frame.type)) return `unknown type ${frame.type}`;
  if (typeof frame.session_id !== "string") return "no session_id";
  if (typeof frame.timestamp !== "number") return "no timestamp";
  if (frame.type === "error") {
    const payload = frame.payload ?? {};
    if (!ERROR_CODES.has(String(payload.code))) return `unknown error code ${payload.code}`;
    if (typeof payload.message !== "string") return "error without message";
    if (payload.request_id !== undefined && typeof payload.request_id !== "string") return "bad request_id";
  }
  return "";
}

const anything = fc.anything({ withBigInt: false, withBoxedValues: false, withMap: false, withSet: false });
const shaped = fc.record({
  type: fc.oneof(fc.constantFrom("ping", "message.send", "media.send", "message.create", ""), anything),
  id: anything,
  session_id: anything,
  timestamp: anything,
  payload: fc.oneof(
    anything,
    fc.record({
      content: fc.oneof(fc.string(), anything),
      media: fc.oneof(
        anything,
        fc.array(fc.oneof(fc.constant("data:image/png;base64,iVBORw0KGgo="), fc.string(), anything), { maxLength: 3 }),
      ),
    }, { requiredKeys: [] }),
  ),
}, { requiredKeys: [] }).map((o) => JSON.stringify(o));
const unicodeEdges = fc.constantFrom(
  "\uD800",
  "\uDFFF\uD800",
  '\uFEFF{"type":"ping"}',
  '{"type":"ping","id":"\u0000"}',
  '{"type":"message.send","payload":{"content":"\u202E\u0301\uFFFF\u{10FFFF}"}}',
  '{"type":"ping","id":"\uD83D\uDE00"}',
  "\u0000\u0001\u0002",
);
const deep = fc.integer({ min: 100, max: 30_000 }).map((n) => "[".repeat(n) + "]".repeat(n));
const deepObject = fc.integer({ min: 100, max: 10_000 }).map((n) =>
  `{"type":"message.send","payload":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`
);
const huge = fc.integer({ min: 1000, max: MAX_BYTES - 200 }).map((n) =>
  JSON.stringify({ type: "message.send", id: "huge", payload: { content: "x".repeat(n) } })
);
const textFrame = fc.oneof(
  { arbitrary: shaped, weight: 5 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"), weight: 2 },
  { arbitrary: unicodeEdges, weight: 1 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: deepObject, weight: 1 },
  { arbitrary: huge, weight: 1 },
);
const frame = fc.oneof(
  { arbitrary: textFrame, weight: 9 },
  { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 },
);

/** Sends a batch then a sentinel ping, and returns every reply up to the sentinel's pong. */
async function exchange(client: TestPicoClient, frames: (string | Uint8Array)[], sentinel: string) {
  const start = client.frames.length;
  for (const f of frames) client.socket.send(f);
  client.send({ type: "ping", id: sentinel });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const index = client.frames.findIndex((f, i) => i >= start && f.type === "pong" && f.id === sentinel);
    if (index >= 0) return client.frames.slice(start, index);
    if (client.closeEvent || Date.now() > deadline) {
      throw new Error(`No sentinel pong (closed: ${client.closeEvent?.code}) after ${frames.length} frames`);
    }
    await Bun.sleep(2);
  }
}

describe("fuzzing a live gateway (fast-check)", () => {
  test(`${FRAMES} random frames: every reply is a valid frame, the socket stays open, the process stays up`, async () => {
    const client = await openPico(`ws://127.0.0.1:${port}/pico?session_id=fuzz`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const warm = await exchange(client, [JSON.stringify({ type: "ping" })], "warm");
    expect(warm.length).toBe(1);
    await Bun.sleep(500);
    const baseline = rssBytes(gateway.child.proc.pid);
    let sent = 0;
    let batch = 0;
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: BATCH, maxLength: BATCH }), async (frames) => {
        const replies = await exchange(client, frames, `sentinel-${batch++}`);
        sent += frames.length;
        for (const reply of replies) {
          const problem = problemWith(reply);
          if (problem) problems.push(`${problem}: ${JSON.stringify(reply).slice(0, 200)}`);
        }
        // Every frame gets at least one reply (an error, a pong, or the agent's frames).
        return replies.length >= frames.length && problems.length === 0;
      }),
      { numRuns: FRAMES / BATCH, endOnFailure: true },
    );
    expect(problems).toEqual([]);
    expect(sent).toBe(FRAMES);
    expect(client.closeEvent).toBeUndefined();
    expect(gateway.child.proc.exitCode).toBeNull();
    client.close();
    await Bun.sleep(3000);
    const after = rssBytes(gateway.child.proc.pid);
    console.log(`fuzz: RSS ${Math.round(baseline / 1048576)} MB before, ${Math.round(after / 1048576)} MB after`);
    expect(after).toBeLessThan(baseline + 64 * 1024 * 1024);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
  });

  test("frames over max_message_bytes close the connection with 1009 and nothing else does", async () => {
    for (const size of [MAX_BYTES + 1, MAX_BYTES * 4]) {
      const client = await openPico(`ws://127.0.0.1:${port}/pico`, { headers: { authorization: `Bearer ${TOKEN}` } });
      client.socket.send("y".repeat(size));
      expect((await client.closed()).code).toBe(1009);
    }
    expect(gateway.child.proc.exitCode).toBeNull();
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { createOpenAIAgent, type OpenAIAgentOptions } from "../mod/agent/mod.ts";
import { Secret } from "../mod/config/mod.ts";
import { PicoclawError } from "../mod/errors/mod.ts";
import { eventually, type Misbehaviour, startMaliciousAgent } from "./helpers/malicious_agent.ts";

let server: ReturnType<typeof startMaliciousAgent> | undefined;
afterEach(() => {
  server?.stop();
  server = undefined;
});

function agent(options: Partial<OpenAIAgentOptions> = {}) {
  server ??= startMaliciousAgent();
  return createOpenAIAgent({
    base_url: server.baseUrl,
    api_key: new Secret("sk-bounds-test-0123456789abcdef"),
    model: "m",
    system_prompt: "",
    stream: true,
    timeout: 60,
    ...options,
  });
}

/** Runs one reply to the end; returns the last text or the error. */
async function ask(a: ReturnType<typeof agent>, content: string, sessionId = "s") {
  let text = "";
  try {
    for await (const chunk of a.reply({ sessionId, content, media: [] }, new AbortController().signal)) {
      text = chunk.text;
    }
    return { text };
  } catch (err) {
    return { text, error: err as PicoclawError };
  }
}

/** The reply fails with agent_error naming the limit, and the server sees the client stop reading. */
async function expectCutOff(mode: Misbehaviour, limit: RegExp, options: Partial<OpenAIAgentOptions> = {}) {
  const a = agent(options);
  const result = await ask(a, mode);
  expect(result.error).toBeInstanceOf(PicoclawError);
  expect(result.error?.code).toBe("agent_error");
  expect(result.error?.message).toMatch(limit);
  const seen = server!.requests.at(-1)!;
  expect(seen.mode).toBe(mode);
  expect(await eventually(() => seen.closed)).toBe(true);
  const sentWhenClosed = seen.bytesSent;
  expect(seen.capped).toBe(false);
  // Nothing more is written once the client is gone (the pulls stop).
  expect(await eventually(() => seen.bytesSent > sentWhenClosed, 300)).toBe(false);
  return { result, seen };
}

describe("openai agent bounds against a malicious server", () => {
  test("an SSE line that never ends is cut off at 1 MiB and the stream is no longer read", async () => {
    const { seen } = await expectCutOff("endless-line", /SSE line over 1 MiB/);
    expect(seen.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("an SSE event that never ends (no blank line) is cut off at 1 MiB", async () => {
    const { seen } = await expectCutOff("endless-event", /SSE event over 1 MiB/);
    expect(seen.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("endless deltas are cut off past agent.max_reply_bytes and the stream is no longer read", async () => {
    const { result, seen } = await expectCutOff("endless-deltas", /agent\.max_reply_bytes \(1 MiB\)/);
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(1024 * 1024);
    expect(result.text.length).toBeGreaterThan(0);
    expect(seen.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("max_reply_bytes is configurable: a 1000-byte limit cuts the deltas at 1000 bytes", async () => {
    const { result } = await expectCutOff("endless-deltas", /agent\.max_reply_bytes \(1000 bytes\)/, {
      max_reply_bytes: 1000,
    });
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(1000);
  });

  test("a non-streamed body over 4 MiB is cut off, Content-Length or not", async () => {
    const { seen } = await expectCutOff("huge-json", /body over 4 MiB/);
    expect(seen.bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  test("an endless error body is read no further than 64 KiB: agent_error naming the status", async () => {
    const { seen } = await expectCutOff("huge-error", /answered 500$/);
    expect(seen.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("a non-streamed reply over max_reply_bytes is refused", async () => {
    const a = agent({ max_reply_bytes: 10, stream: false });
    const result = await ask(a, "this is longer than ten bytes");
    expect(result.error?.code).toBe("agent_error");
    expect(result.error?.message).toMatch(/agent\.max_reply_bytes \(10 bytes\)/);
  });

  test("a 307 redirect is an agent_error naming the status, and the target is never called", async () => {
    const a = agent();
    const result = await ask(a, "redirect");
    expect(result.error?.code).toBe("agent_error");
    expect(result.error?.message).toContain("307");
    expect(result.error?.message).toContain("redirect");
    expect(server!.redirectTargetCalls()).toBe(0);
    // The agent still works afterwards.
    expect((await ask(a, "hello")).text).toBe("ok: hello");
    expect(server!.redirectTargetCalls()).toBe(0);
  });

  test("a cut-off reply is not kept in history; a kept turn is bounded by max_reply_bytes", async () => {
    const a = agent({ max_reply_bytes: 1000 });
    await ask(a, "endless-deltas");
    const huge = "u".repeat(5000);
    const answer = `ok: ${"u".repeat(40)}`;
    expect((await ask(a, huge)).text).toBe(answer);
    expect((await ask(a, "next")).text).toBe("ok: next");
    const sent = server!.requests.at(-1)!.messages;
    expect(sent).toEqual([
      { role: "user", content: "u".repeat(1000 - answer.length) },
      { role: "assistant", content: answer },
      { role: "user", content: "next" },
    ]);
  });

  test("history keeps at most 32 MiB in all: the least recently used session is forgotten first", async () => {
    const a = agent();
    const big = "m".repeat(1024 * 1024 - 100); // one turn just under max_reply_bytes with its answer
    for (let i = 0; i < 33; i++) expect((await ask(a, big, `session-${i}`)).error).toBeUndefined();
    await ask(a, "again", "session-32");
    expect(server!.requests.at(-1)!.messages).toHaveLength(3); // session-32 still has its turn
    await ask(a, "again", "session-0");
    expect(server!.requests.at(-1)!.messages).toEqual([{ role: "user", content: "again" }]);
  });
});

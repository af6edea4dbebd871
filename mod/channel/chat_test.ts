import { describe, expect, test } from "bun:test";
import type { Agent, AgentChunk } from "../agent/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { type ChatContext, runChat, Session } from "./chat.ts";

function contextWith(agent: Agent) {
  const sent: { type: string; payload?: Record<string, unknown> }[] = [];
  const ctx: ChatContext = {
    agent,
    history: new MemoryHistoryStore(),
    broadcast: (_session, frame) => sent.push(JSON.parse(frame)),
    signal: new AbortController().signal,
    observeLatency: () => {},
  };
  return { ctx, sent };
}

function agentYielding(chunks: string[], gapMs = 0, fail?: PicoclawError): Agent {
  return {
    provider: "test",
    model: "m",
    async *reply(): AsyncIterable<AgentChunk> {
      for (const text of chunks) {
        if (gapMs) await Bun.sleep(gapMs);
        yield { text };
      }
      if (fail) throw fail;
    },
  };
}

describe("runChat()", () => {
  test("runChat() throttles updates but always ends with the full text", async () => {
    const chunks = Array.from({ length: 500 }, (_, i) => "x".repeat(i + 1));
    const { ctx, sent } = contextWith(agentYielding(chunks));
    const result = await runChat(ctx, new Session("s"), { content: "c", media: [] }, "pico");
    const types = sent.map((f) => f.type);
    expect(types[0]).toBe("typing.start");
    expect(types[1]).toBe("message.create");
    expect(types.at(-1)).toBe("typing.stop");
    expect(types.filter((t) => t === "message.update").length).toBeLessThan(10);
    expect(sent.at(-2)?.payload?.content).toBe("x".repeat(500));
    expect(result.content).toBe("x".repeat(500));
  });

  test("runChat() sends message.create with empty content when the agent yields nothing", async () => {
    const { ctx, sent } = contextWith(agentYielding([]));
    await runChat(ctx, new Session("s"), { content: "c", media: [] }, "pico");
    expect(sent.map((f) => f.type)).toEqual(["typing.start", "message.create", "typing.stop"]);
    expect(sent[1].payload?.content).toBe("");
  });

  test("runChat() sends an agent_error frame with request_id, then typing.stop, and rethrows", async () => {
    const failure = new PicoclawError("agent_error", "The agent server answered 500");
    const { ctx, sent } = contextWith(agentYielding(["part"], 0, failure));
    const err = await runChat(ctx, new Session("s"), { content: "c", media: [] }, "pico", "req-9").catch((e) => e);
    expect(err).toBe(failure);
    expect(sent.map((f) => f.type)).toEqual(["typing.start", "message.create", "error", "typing.stop"]);
    expect(sent[2].payload).toEqual({ code: "agent_error", message: failure.message, request_id: "req-9" });
  });

  test("runChat() puts the request id in message.create as reply_to, and none without one", async () => {
    const withId = contextWith(agentYielding(["a", "ab"]));
    await runChat(withId.ctx, new Session("s"), { content: "c", media: [] }, "pico", "req-7");
    expect(withId.sent.find((f) => f.type === "message.create")?.payload?.reply_to).toBe("req-7");
    const withoutId = contextWith(agentYielding(["a"]));
    await runChat(withoutId.ctx, new Session("s"), { content: "c", media: [] }, "pico");
    expect(withoutId.sent.find((f) => f.type === "message.create")?.payload).not.toHaveProperty("reply_to");
  });

  test("runChat() reports an unexpected (non-Picoclaw) failure for the log, and answers agent_error", async () => {
    const { ctx, sent } = contextWith(agentYielding(["x"], 0, new TypeError("boom") as never));
    const reported: unknown[] = [];
    ctx.reportUnexpected = (err) => reported.push(err);
    const err = await runChat(ctx, new Session("s"), { content: "c", media: [] }, "pico").catch((e) => e);
    expect(err.code).toBe("agent_error");
    expect((reported[0] as Error).message).toBe("boom");
    expect(sent.find((f) => f.type === "error")?.payload?.message).toBe("The agent failed");
  });
});

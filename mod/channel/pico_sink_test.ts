import { describe, expect, test } from "bun:test";
import type { Agent, AgentChunk } from "../agent/mod.ts";
import { Conversation } from "../conversation/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { PicoReplySink } from "./pico_sink.ts";

type Frame = { type: string; payload?: Record<string, unknown> };

function agentYielding(chunks: string[], fail?: Error): Agent {
  return {
    provider: "test",
    model: "m",
    async *reply(): AsyncIterable<AgentChunk> {
      for (const text of chunks) yield { text };
      if (fail) throw fail;
    },
  };
}

/** Runs one message through a real conversation core into a Pico sink; returns the frames. */
async function framesFor(
  agent: Agent,
  requestId?: string,
): Promise<{ sent: Frame[]; result: unknown; logs: string[] }> {
  const logs: string[] = [];
  const conversation = new Conversation({
    agent,
    history: new MemoryHistoryStore(),
    log: createLogger({ stderr: (line) => logs.push(line) }),
  });
  const sent: Frame[] = [];
  const sink = new PicoReplySink({ id: "s", idJson: '"s"' }, (frame) => sent.push(JSON.parse(frame)), requestId);
  const result = await conversation.converse({ sessionId: "s", channel: "pico", content: "c", requestId }, sink)
    .catch((e) => e);
  return { sent, result, logs };
}

describe("PicoReplySink", () => {
  test("PicoReplySink throttles updates but always ends with the full text", async () => {
    const chunks = Array.from({ length: 500 }, (_, i) => "x".repeat(i + 1));
    const { sent, result } = await framesFor(agentYielding(chunks));
    const types = sent.map((f) => f.type);
    expect(types[0]).toBe("typing.start");
    expect(types[1]).toBe("message.create");
    expect(types.at(-1)).toBe("typing.stop");
    expect(types.filter((t) => t === "message.update").length).toBeLessThan(10);
    expect(sent.at(-2)?.payload?.content).toBe("x".repeat(500));
    expect((result as { content: string }).content).toBe("x".repeat(500));
  });

  test("PicoReplySink sends message.create with empty content when the agent yields nothing", async () => {
    const { sent } = await framesFor(agentYielding([]));
    expect(sent.map((f) => f.type)).toEqual(["typing.start", "message.create", "typing.stop"]);
    expect(sent[1].payload?.content).toBe("");
  });

  test("PicoReplySink sends an agent_error frame with request_id, then typing.stop", async () => {
    const failure = new PicoclawError("agent_error", "The agent server answered 500");
    const { sent, result } = await framesFor(agentYielding(["part"], failure), "req-9");
    expect(result).toBe(failure);
    expect(sent.map((f) => f.type)).toEqual(["typing.start", "message.create", "error", "typing.stop"]);
    expect(sent[2].payload).toEqual({ code: "agent_error", message: failure.message, request_id: "req-9" });
  });

  test("PicoReplySink puts the request id in message.create as reply_to, and none without one", async () => {
    const withId = await framesFor(agentYielding(["a", "ab"]), "req-7");
    expect(withId.sent.find((f) => f.type === "message.create")?.payload?.reply_to).toBe("req-7");
    expect(withId.sent.find((f) => f.type === "message.create")?.payload?.model_name).toBe("m");
    const withoutId = await framesFor(agentYielding(["a"]));
    expect(withoutId.sent.find((f) => f.type === "message.create")?.payload).not.toHaveProperty("reply_to");
  });

  test("an unexpected (non-Picoclaw) failure is logged and answered as agent_error without detail", async () => {
    const { sent, result, logs } = await framesFor(agentYielding(["x"], new TypeError("boom")));
    expect((result as PicoclawError).code).toBe("agent_error");
    expect(sent.find((f) => f.type === "error")?.payload?.message).toBe("The agent failed");
    expect(logs.join("\n")).toContain("boom");
  });
});

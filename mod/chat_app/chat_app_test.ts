import { describe, expect, test } from "bun:test";
import { Conversation } from "../conversation/mod.ts";
import type { Agent, AgentChunk } from "../agent/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { type ChatTarget, EditingReplySink, EMPTY_REPLY } from "./editing_sink.ts";
import { notAllowedAnswer, senderVerdict } from "./allow_from.ts";
import { splitText } from "./split_text.ts";

/** A chat that records calls with their time. */
function recordingTarget() {
  const calls: { call: string; id?: string; text?: string; at: number }[] = [];
  let next = 0;
  const target: ChatTarget = {
    typing: () => {
      calls.push({ call: "typing", at: Date.now() });
      return Promise.resolve();
    },
    send: (text) => {
      const id = `m${++next}`;
      calls.push({ call: "send", id, text, at: Date.now() });
      return Promise.resolve(id);
    },
    edit: (id, text) => {
      calls.push({ call: "edit", id, text, at: Date.now() });
      return Promise.resolve();
    },
  };
  return { target, calls };
}

function streamingAgent(pieces: number, gapMs: number): Agent {
  return {
    provider: "test",
    model: "m",
    async *reply(): AsyncIterable<AgentChunk> {
      let text = "";
      for (let i = 0; i < pieces; i++) {
        text += `w${i} `;
        yield { text };
        await Bun.sleep(gapMs);
      }
    },
  };
}

const log = createLogger({ stderr: false });

describe("senderVerdict()", () => {
  test("an empty list lets nobody in; a listed id or @username (any case) is allowed; others are not", () => {
    expect(senderVerdict([], ["42", "@alice"])).toBe("nobody_allowed");
    expect(senderVerdict(["42"], ["42", "@alice"])).toBe("allowed");
    expect(senderVerdict(["@Alice"], ["7", "@alice"])).toBe("allowed");
    expect(senderVerdict(["alice"], ["7", "@ALICE"])).toBe("allowed");
    expect(senderVerdict(["43", "@bob"], ["42", "@alice"])).toBe("not_listed");
    expect(senderVerdict(["42"], ["", "421"])).toBe("not_listed");
  });

  test("notAllowedAnswer() names the sender's id and the key", () => {
    const text = notAllowedAnswer("12345", "channels.telegram.allow_from");
    expect(text).toContain("12345");
    expect(text).toContain("channels.telegram.allow_from");
  });
});

describe("splitText()", () => {
  test("short text is one piece; long text splits at newlines, then spaces, then hard, within the limit", () => {
    expect(splitText("hello", 10)).toEqual(["hello"]);
    expect(splitText("", 10)).toEqual([""]);
    expect(splitText("aaaa\nbbbb\ncccc", 10)).toEqual(["aaaa\nbbbb", "cccc"]);
    expect(splitText("aaaa bbbb cccc", 10)).toEqual(["aaaa bbbb", "cccc"]);
    expect(splitText("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    const long = "word ".repeat(2000);
    const pieces = splitText(long, 4096);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);
    expect(pieces.join(" ").replace(/\s+/g, " ").trim()).toBe(long.trim());
  });

  test("never cuts a surrogate pair in two", () => {
    const pieces = splitText("a" + "😀".repeat(10), 6);
    for (const piece of pieces) expect(piece).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
    expect(pieces.join("")).toBe("a" + "😀".repeat(10));
  });
});

describe("EditingReplySink", () => {
  test("a one-piece reply is typing, then one message; an empty one says so", async () => {
    const { target, calls } = recordingTarget();
    const sink = new EditingReplySink(target, { maxChars: 4096, onError: () => {} });
    const echo: Agent = { provider: "echo", model: "", reply: (r) => [{ text: r.content }] };
    const conversation = new Conversation({ agent: echo, history: new MemoryHistoryStore(), log });
    await conversation.converse({ sessionId: "telegram:1", channel: "telegram", content: "hi" }, sink);
    await sink.done;
    expect(calls.map((c) => [c.call, c.text])).toEqual([["typing", undefined], ["send", "hi"]]);

    const empty = recordingTarget();
    const emptySink = new EditingReplySink(empty.target, { maxChars: 4096, onError: () => {} });
    await conversation.converse({ sessionId: "telegram:1", channel: "telegram", content: "" }, emptySink);
    await emptySink.done;
    expect(empty.calls.at(-1)?.text).toBe(EMPTY_REPLY);
  });

  test("a streamed reply is sent once, edited at most once per interval, and ends with the full text", async () => {
    const { target, calls } = recordingTarget();
    const sink = new EditingReplySink(target, { maxChars: 4096, editIntervalMs: 200, onError: () => {} });
    const conversation = new Conversation({ agent: streamingAgent(30, 20), history: new MemoryHistoryStore(), log });
    const result = await conversation.converse({ sessionId: "d:1", channel: "discord", content: "q" }, sink);
    await sink.done;
    const sends = calls.filter((c) => c.call === "send");
    const edits = calls.filter((c) => c.call === "edit");
    expect(sends.length).toBe(1);
    expect(sends[0].text).toBe("w0 ");
    // 30 pieces over ~600 ms at one edit per 200 ms: a handful of edits, never 29.
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.length).toBeLessThan(8);
    const updates = [sends[0], ...edits];
    for (let i = 1; i < updates.length - 1; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(190);
    expect(edits.at(-1)?.text).toBe(result.content);
    expect(edits.every((e) => e.id === sends[0].id)).toBe(true);
  });

  test("a reply over the limit is the first message edited to the first piece plus new messages for the rest", async () => {
    const { target, calls } = recordingTarget();
    const sink = new EditingReplySink(target, { maxChars: 100, onError: () => {} });
    const text = "y".repeat(250);
    const agent: Agent = { provider: "t", model: "", reply: () => [{ text }] };
    const conversation = new Conversation({ agent, history: new MemoryHistoryStore(), log });
    await conversation.converse({ sessionId: "t:1", channel: "telegram", content: "q" }, sink);
    await sink.done;
    const texts = calls.filter((c) => c.call !== "typing").map((c) => c.text ?? "");
    expect(texts.every((t) => t.length <= 100)).toBe(true);
    expect(calls.filter((c) => c.call === "send").map((c) => c.text?.length)).toEqual([100, 100, 50]);
  });

  test("a failed reply says so in the chat; a failing platform call goes to onError and the rest goes on", async () => {
    const { target, calls } = recordingTarget();
    const errors: unknown[] = [];
    let typingFails = true;
    const flaky: ChatTarget = {
      ...target,
      typing: () => typingFails ? (typingFails = false, Promise.reject(new Error("429"))) : target.typing(),
    };
    const sink = new EditingReplySink(flaky, { maxChars: 4096, onError: (e) => errors.push(e) });
    const failing: Agent = {
      provider: "t",
      model: "",
      reply: () => {
        throw new PicoclawError("agent_error", "The agent server answered 500");
      },
    };
    const conversation = new Conversation({ agent: failing, history: new MemoryHistoryStore(), log });
    await conversation.converse({ sessionId: "t:1", channel: "telegram", content: "q" }, sink).catch(() => {});
    await sink.done;
    expect(errors.length).toBe(1);
    expect(calls.map((c) => c.text)).toEqual(["Sorry, the assistant failed: The agent server answered 500"]);
  });
});

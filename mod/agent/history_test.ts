import { describe, expect, test } from "bun:test";
import { ChatHistory } from "./history.ts";

describe("ChatHistory", () => {
  test("ChatHistory keeps only the last maxTurns turns of a session", () => {
    const history = new ChatHistory(2, 10);
    for (let i = 1; i <= 3; i++) history.add("s", `q${i}`, `a${i}`);
    expect(history.get("s")).toEqual([
      { role: "user", content: "q2" },
      { role: "assistant", content: "a2" },
      { role: "user", content: "q3" },
      { role: "assistant", content: "a3" },
    ]);
  });

  test("ChatHistory forgets the least recently used session past maxSessions", () => {
    const history = new ChatHistory(20, 2);
    history.add("a", "q", "a");
    history.add("b", "q", "a");
    history.add("a", "q2", "a2");
    history.add("c", "q", "a");
    expect(history.size).toBe(2);
    expect(history.get("b")).toEqual([]);
    expect(history.get("a")).toHaveLength(4);
  });
});

describe("ChatHistory turn bound", () => {
  const bytes = (messages: { content: unknown }[]) =>
    messages.reduce((n, m) => n + Buffer.byteLength(String(m.content), "utf8"), 0);

  test("ChatHistory keeps a turn that fits maxTurnBytes whole", () => {
    const history = new ChatHistory(20, 10, 10);
    history.add("s", "hello", "world");
    expect(history.get("s")).toEqual([{ role: "user", content: "hello" }, { role: "assistant", content: "world" }]);
  });

  test("ChatHistory cuts a huge user message so the turn fits maxTurnBytes", () => {
    const history = new ChatHistory(20, 10, 1000);
    history.add("s", "u".repeat(5000), "short answer");
    const kept = history.get("s");
    expect(bytes(kept)).toBe(1000);
    expect(kept[1].content).toBe("short answer");
    expect(kept[0].content).toBe("u".repeat(1000 - "short answer".length));
  });

  test("ChatHistory cuts a huge reply so the turn fits maxTurnBytes", () => {
    const history = new ChatHistory(20, 10, 1000);
    history.add("s", "question", "a".repeat(5000));
    const kept = history.get("s");
    expect(bytes(kept)).toBe(1000);
    expect(kept[0].content).toBe("question");
  });

  test("ChatHistory splits the budget when both sides are huge, never splitting a character", () => {
    const history = new ChatHistory(20, 10, 1001);
    history.add("s", "é".repeat(5000), "€".repeat(5000));
    const [user, assistant] = history.get("s");
    expect(bytes([user, assistant])).toBeLessThanOrEqual(1001);
    expect(user.content).toBe("é".repeat(250)); // 500 bytes of 2-byte characters
    expect(assistant.content).toBe("€".repeat(167)); // 501 bytes allowed, 3-byte characters
  });
});

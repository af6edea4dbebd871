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

describe("ChatHistory total bound", () => {
  test("ChatHistory forgets the least recently used sessions past maxTotalBytes", () => {
    const history = new ChatHistory(20, 100, 100, 250);
    history.add("a", "q".repeat(50), "a".repeat(50));
    history.add("b", "q".repeat(50), "a".repeat(50));
    history.add("a", "q", "a"); // a is now the most recently used
    expect(history.bytes).toBe(202);
    history.add("c", "q".repeat(50), "a".repeat(50));
    expect(history.get("b")).toEqual([]);
    expect(history.get("a")).toHaveLength(4);
    expect(history.get("c")).toHaveLength(2);
    expect(history.bytes).toBe(202);
  });

  test("ChatHistory drops the oldest turns of a session that alone is over maxTotalBytes", () => {
    const history = new ChatHistory(20, 100, 100, 250);
    for (let i = 1; i <= 3; i++) history.add("s", `q${i}`.padEnd(50, "."), `a${i}`.padEnd(50, "."));
    const kept = history.get("s");
    expect(kept.map((m) => String(m.content).slice(0, 2))).toEqual(["q2", "a2", "q3", "a3"]);
    expect(history.bytes).toBe(200);
  });

  test("ChatHistory keeps its byte count right when turns and sessions are dropped", () => {
    const history = new ChatHistory(2, 2, 100, 1000);
    for (let i = 0; i < 5; i++) history.add("s0", "q".repeat(10), "a".repeat(10));
    for (let i = 0; i < 5; i++) history.add("s1", "q".repeat(10), "a".repeat(10));
    expect(history.bytes).toBe(2 * 2 * 20); // two sessions of two 20-byte turns
    history.add("s2", "q".repeat(10), "a".repeat(10)); // s0 is forgotten
    expect(history.size).toBe(2);
    expect(history.bytes).toBe(2 * 20 + 20);
  });
});

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

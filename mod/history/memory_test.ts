import { describe, expect, test } from "bun:test";
import { MemoryHistoryStore } from "./memory.ts";
import type { NewHistoryMessage, Role } from "./store.ts";

function message(session: string, n: number, role: Role = n % 2 === 0 ? "user" : "assistant"): NewHistoryMessage {
  return {
    session_id: session,
    role,
    content: `${role} ${n}`,
    message_id: `m${n}`,
    timestamp: 1_000 + n,
    channel: "api",
  };
}

describe("MemoryHistoryStore", () => {
  test("keeps 40 messages (20 turns) per session by default, the newest", async () => {
    const store = new MemoryHistoryStore();
    for (let n = 0; n < 50; n++) store.append(message("s1", n));
    const kept = await store.messages("s1");
    expect(kept).toHaveLength(40);
    expect(kept?.[0].message_id).toBe("m10");
    expect((await store.listSessions())[0]).toEqual({
      id: "s1",
      title: "user 0",
      channel: "api",
      messages: 40,
      updated_at: 1049,
    });
  });

  test("keeps at most maxChars of text in all: least active sessions first, then the oldest messages", async () => {
    const store = new MemoryHistoryStore({ maxChars: 100 });
    const text = (session: string, n: number, chars: number) => ({
      ...message(session, n),
      content: "x".repeat(chars),
    });
    store.append(text("a", 0, 40));
    store.append(text("b", 0, 40));
    store.append(text("c", 0, 40));
    expect(await store.messages("a")).toBeUndefined();
    expect(store.chars).toBe(80);
    store.append(text("c", 1, 90));
    expect(await store.messages("b")).toBeUndefined();
    expect((await store.messages("c"))?.map((m) => m.message_id)).toEqual(["m1"]);
    expect(store.chars).toBe(90);
    expect((await store.listSessions())[0].messages).toBe(1);
    await store.deleteSession("c");
    expect(store.chars).toBe(0);
  });

  test("forgets the least recently active session past maxSessions", async () => {
    const store = new MemoryHistoryStore({ maxSessions: 2 });
    store.append({ ...message("a", 0), timestamp: 1 });
    store.append({ ...message("b", 0), timestamp: 2 });
    store.append({ ...message("a", 1), timestamp: 3 });
    store.append({ ...message("c", 0), timestamp: 4 });
    expect((await store.listSessions()).map((s) => s.id)).toEqual(["c", "a"]);
    expect(await store.messages("b")).toBeUndefined();
  });

  test("messages() pages with limit and before like the SQLite store", async () => {
    const store = new MemoryHistoryStore({ maxMessages: 1000 });
    for (let n = 0; n < 20; n++) store.append(message("s1", n));
    expect((await store.messages("s1", { limit: 3, before: "m10" }))?.map((m) => m.message_id))
      .toEqual(["m7", "m8", "m9"]);
    expect(await store.messages("s1", { limit: 0 })).toHaveLength(1);
    expect(await store.messages("s1", { before: "nope" })).toEqual([]);
  });

  test("lastTurns() ends at the newest reply and counts user messages as turns", async () => {
    const store = new MemoryHistoryStore({ maxMessages: 1000 });
    for (let n = 0; n < 50; n++) store.append(message("s1", n));
    store.append(message("s1", 50));
    const turns = await store.lastTurns("s1");
    expect(turns).toHaveLength(40);
    expect(turns[0].message_id).toBe("m10");
    expect(turns.at(-1)?.message_id).toBe("m49");
    expect((await store.lastTurns("s1", 2)).map((m) => m.message_id)).toEqual(["m46", "m47", "m48", "m49"]);
    expect(await store.lastTurns("unknown")).toEqual([]);
  });

  test("deleteSession() forgets the session", async () => {
    const store = new MemoryHistoryStore();
    store.append(message("s1", 0));
    expect(await store.deleteSession("s1")).toBe(true);
    expect(await store.deleteSession("s1")).toBe(false);
    expect(await store.listSessions()).toEqual([]);
  });

  test.each([
    [5, 4, 400], // the character bound at work
    [3, 3, 1_000_000], // long-lived sessions: their arrays are compacted many times
  ])("many interleaved appends keep what a plain list would (maxMessages %d, maxSessions %d, maxChars %d)", async (
    maxMessages,
    maxSessions,
    maxChars,
  ) => {
    // The reference: what the store must hold, kept the obvious (slow) way.
    const store = new MemoryHistoryStore({ maxMessages, maxSessions, maxChars });
    let reference = new Map<string, string[]>(); // activity order, oldest first; contents
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const charsOf = (m: Map<string, string[]>) => [...m.values()].flat().reduce((sum, c) => sum + c.length, 0);
    for (let n = 0; n < 3_000; n++) {
      const id = `s${random(6)}`;
      const content = `${n}:${"x".repeat(random(60))}`;
      if (random(50) === 0) {
        await store.deleteSession(id);
        reference.delete(id);
        continue;
      }
      store.append({ ...message(id, n), content, timestamp: n });
      const kept = [...(reference.get(id) ?? []), content].slice(-maxMessages);
      reference.delete(id);
      reference.set(id, kept);
      reference = new Map([...reference].slice(-maxSessions));
      while (charsOf(reference) > maxChars && reference.size > 1) reference.delete(reference.keys().next().value!);
      while (charsOf(reference) > maxChars && kept.length > 1) kept.shift();
      expect(store.chars).toBe(charsOf(reference));
    }
    expect((await store.listSessions()).map((s) => [s.id, s.messages])).toEqual(
      [...reference].reverse().map(([id, kept]) => [id, kept.length]),
    );
    for (const [id, kept] of reference) expect((await store.messages(id))?.map((m) => m.content)).toEqual(kept);
  });
});

import { describe, expect, test } from "bun:test";
import { type RemoteMessage, RemoteStreams } from "./_remote_stream.ts";

function streams(overrides: { quietMs?: number; maxOpen?: number; maxMedia?: number } = {}) {
  const done: RemoteMessage[] = [];
  const s = new RemoteStreams({
    quietMs: overrides.quietMs ?? 60_000,
    typingQuietMs: 60_000,
    maxOpen: overrides.maxOpen ?? 4,
    maxMedia: overrides.maxMedia ?? 16,
    onMessage: (m) => done.push(m),
  });
  return { s, done, texts: () => done.map((m) => m.text) };
}

describe("RemoteStreams", () => {
  test("RemoteStreams ends the oldest open message early when maxOpen are open", () => {
    const { s, texts } = streams({ maxOpen: 2 });
    s.create("x", "a", "A");
    s.create("x", "b", "B");
    expect(texts()).toEqual([]);
    s.create("x", "c", "C");
    expect(texts()).toEqual(["A"]);
    expect(s.open).toBe(2);
    s.close();
  });

  test("RemoteStreams takes a placeholder's text from its update, and ignores a deleted message", () => {
    const { s, texts } = streams();
    s.create("x", "p", "");
    s.update("p", "the real answer");
    s.create("x", "d", "gone");
    s.ignore("d");
    s.update("d", "gone again");
    s.typingStop("x");
    expect(texts()).toEqual(["the real answer"]);
  });

  test("RemoteStreams keeps at most maxMedia items per message", () => {
    const { s, done } = streams({ maxMedia: 2 });
    s.create("x", "m", "pics");
    s.addMedia("x", "m", ["1", "2", "3"]);
    s.addMedia("x", "m", ["4"]);
    s.typingStop("x");
    expect(done[0].media).toEqual(["1", "2"]);
  });

  test("RemoteStreams ends only the stopped session's messages at typing.stop", () => {
    const { s, texts } = streams();
    s.create("x", "a", "for x");
    s.create("y", "b", "for y");
    s.typingStop("x");
    expect(texts()).toEqual(["for x"]);
    s.close();
  });

  test("RemoteStreams ends a message after the quiet period, and a late update does not reopen it", async () => {
    const { s, texts } = streams({ quietMs: 20 });
    s.create("x", "q", "Hel");
    s.update("q", "Hello");
    const deadline = Date.now() + 5000;
    while (texts().length === 0 && Date.now() < deadline) await Bun.sleep(5);
    s.update("q", "Hello!");
    s.create("x", "q", "Hello!!");
    s.typingStop("x");
    expect(texts()).toEqual(["Hello"]);
  });
});

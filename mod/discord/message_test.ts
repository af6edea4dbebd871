import { describe, expect, test } from "bun:test";
import { MAX_CONTENT_CHARS, readMessage } from "./message.ts";

const BOT = "900";
const user = { id: "5", username: "ann" };

describe("readMessage()", () => {
  test("a direct message is answered as it is", () => {
    expect(readMessage({ channel_id: "7", author: user, content: "hello\nthere" }, BOT))
      .toEqual({ channelId: "7", userId: "5", username: "ann", content: "hello\nthere" });
  });

  test("a guild message is answered only when it mentions the bot; the mention is taken out", () => {
    const base = { channel_id: "7", guild_id: "3", author: user };
    expect(readMessage({ ...base, content: "just chatting" }, BOT)).toBeNull();
    expect(readMessage({ ...base, content: "<@901> not me", mentions: [{ id: "901" }] }, BOT)).toBeNull();
    expect(readMessage({ ...base, content: "<@900> what time is it?", mentions: [{ id: BOT }] }, BOT)?.content)
      .toBe("what time is it?");
    expect(readMessage({ ...base, content: "hey <@!900>, hi" }, BOT)?.content).toBe("hey , hi");
    expect(readMessage({ ...base, content: "<@900>", mentions: [{ id: BOT }] }, BOT)).toBeNull();
  });

  test("the bot's own messages, other bots' and malformed ones are ignored", () => {
    expect(readMessage({ channel_id: "7", author: { id: BOT, username: "me" }, content: "hi" }, BOT)).toBeNull();
    expect(readMessage({ channel_id: "7", author: { id: "6", username: "b", bot: true }, content: "hi" }, BOT))
      .toBeNull();
    expect(readMessage({ channel_id: "../x", author: user, content: "hi" }, BOT)).toBeNull();
    expect(readMessage({ channel_id: "7", content: "hi" }, BOT)).toBeNull();
    expect(readMessage(null, BOT)).toBeNull();
  });

  test("the text taken is cut to MAX_CONTENT_CHARS", () => {
    const long = "x".repeat(MAX_CONTENT_CHARS + 100);
    expect(readMessage({ channel_id: "7", author: user, content: long }, BOT)?.content.length).toBe(MAX_CONTENT_CHARS);
  });
});

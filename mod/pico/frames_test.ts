import { describe, expect, test } from "bun:test";
import { PicoclawError } from "../errors/mod.ts";
import {
  encodeClientFrame,
  inlineImage,
  parseChatRequest,
  parseFrame,
  parseServerFrame,
  serverFrame,
  toErrorFrame,
} from "./frames.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PicoclawError);
    return (err as PicoclawError).code;
  }
  return "no error";
}

describe("parseFrame()", () => {
  test("parseFrame() accepts a ping and a message.send frame", () => {
    expect(parseFrame('{"type":"ping","id":"1"}')).toEqual({ type: "ping", id: "1" });
    const frame = parseFrame('{"type":"message.send","session_id":"s","timestamp":1,"payload":{"content":"hi"}}');
    expect(frame.payload).toEqual({ content: "hi" });
  });

  test("parseFrame() rejects non-JSON and non-objects with invalid_message", () => {
    for (const text of ["", "{", "hello", "[]", "null", "42", '"ping"']) {
      expect(codeOf(() => parseFrame(text))).toBe("invalid_message");
    }
  });

  test("parseFrame() rejects wrong field types with invalid_message", () => {
    for (
      const frame of [{ type: 1 }, {}, { type: "ping", id: 1 }, { type: "ping", timestamp: "x" }, {
        type: "ping",
        payload: [],
      }]
    ) {
      expect(codeOf(() => parseFrame(JSON.stringify(frame)))).toBe("invalid_message");
    }
  });

  test("parseFrame() rejects an unknown type with unknown_type", () => {
    expect(codeOf(() => parseFrame('{"type":"message.create"}'))).toBe("unknown_type");
  });
});

describe("parseChatRequest()", () => {
  const frame = (payload: unknown) => ({ type: "message.send", payload: payload as Record<string, unknown> });

  test("parseChatRequest() returns content and normalised media", () => {
    const png = "data:image/png;base64,AAAA";
    expect(parseChatRequest(frame({ content: "hi", media: [png, { url: png }, { data: png }] }))).toEqual({
      content: "hi",
      media: [png, png, png],
    });
  });

  test("parseChatRequest() gives empty_content for blank content without media", () => {
    expect(codeOf(() => parseChatRequest(frame({ content: " \n\t" })))).toBe("empty_content");
    expect(codeOf(() => parseChatRequest({ type: "message.send" }))).toBe("empty_content");
  });

  test("parseChatRequest() accepts media without content", () => {
    expect(parseChatRequest(frame({ media: ["data:image/jpeg;base64,/9j/"] })).content).toBe("");
  });

  test("parseChatRequest() gives invalid_media for anything but inline base64 images", () => {
    for (
      const media of [["http://x/a.png"], ["data:image/png,raw"], ["data:text/html;base64,AA=="], [1], "x", [{}]]
    ) {
      expect(codeOf(() => parseChatRequest(frame({ content: "c", media })))).toBe("invalid_media");
    }
  });

  test("parseChatRequest() gives invalid_message for non-string content", () => {
    expect(codeOf(() => parseChatRequest(frame({ content: ["a"] })))).toBe("invalid_message");
  });
});

describe("serverFrame() and toErrorFrame()", () => {
  test("serverFrame() carries type, session_id, timestamp and payload", () => {
    const frame = JSON.parse(serverFrame("typing.start", "s1", {}));
    expect(frame).toEqual({ type: "typing.start", session_id: "s1", timestamp: expect.any(Number), payload: {} });
  });

  test("toErrorFrame() hides the message of an unexpected error", () => {
    const frame = JSON.parse(toErrorFrame(new Error("secret internals"), "s1", "r1"));
    expect(frame.payload).toEqual({ code: "internal_error", message: "Internal error", request_id: "r1" });
  });
});

describe("Pico client side of the codec", () => {
  test("parseServerFrame() reads message.create with reply_to and keeps unknown payload keys", () => {
    const frame = parseServerFrame(
      '{"type":"message.create","session_id":"s","timestamp":1,"payload":{"message_id":"m","content":"hi","reply_to":"r1","extra":1}}',
    );
    expect(frame.payload).toEqual({ message_id: "m", content: "hi", reply_to: "r1", extra: 1 });
  });

  test("parseServerFrame() rejects bad JSON and wrong field types with invalid_message", () => {
    for (const text of ["{", "[]", '{"type":1}', '{"type":"message.create","payload":{"content":5}}']) {
      expect(codeOf(() => parseServerFrame(text))).toBe("invalid_message");
    }
  });

  test("inlineImage() keeps data:image base64 items (string, {url}, {data}) and nothing else", () => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    expect([png, { url: png }, { data: png }].map(inlineImage)).toEqual([png, png, png]);
    for (const item of ["https://example.com/a.png", "file:///etc/passwd", "data:text/html;base64,PGI+", 5, null]) {
      expect(inlineImage(item)).toBeUndefined();
    }
  });

  test("encodeClientFrame() builds a frame with its id, session_id, timestamp and payload", () => {
    const frame = JSON.parse(
      encodeClientFrame("message.send", { id: "m1", session_id: "s", payload: { content: "hi" } }),
    );
    expect(frame).toMatchObject({ type: "message.send", id: "m1", session_id: "s", payload: { content: "hi" } });
    expect(typeof frame.timestamp).toBe("number");
  });
});

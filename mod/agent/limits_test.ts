import { describe, expect, test } from "bun:test";
import { PicoclawError } from "../errors/mod.ts";
import { readTextLimited, sseLimit, truncateUtf8 } from "./limits.ts";

const encoder = new TextEncoder();

/** Pipes `chunks` through `sseLimit(max)`; returns the text that came out, or the error. */
async function through(chunks: string[], max: number): Promise<{ out: string; error?: PicoclawError }> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  let out = "";
  const reader = source.pipeThrough(sseLimit(max)).getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { out };
      out += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    return { out, error: err as PicoclawError };
  }
}

describe("sseLimit()", () => {
  test("sseLimit passes lines and events within the limit through unchanged, whatever the line ends", async () => {
    const chunks = ["data: 1234\n", "\n", "data: 12", "34\r\n\r\n", "data: 1234\r\r", "data: 1234\n\n"];
    expect(await through(chunks, 10)).toEqual({ out: chunks.join("") });
  });

  test("sseLimit errors with agent_error on a line over the limit, even split across chunks", async () => {
    const { error } = await through(["data: 12", "345"], 10);
    expect(error).toBeInstanceOf(PicoclawError);
    expect(error?.code).toBe("agent_error");
    expect(error?.message).toBe("The agent server sent an SSE line over 10 bytes; the reply was cut off");
  });

  test("sseLimit counts the lines of one event together: CRLF is one line end, not a blank line", async () => {
    const { error } = await through(["data: 1\r\n", "data: 2\r\n"], 10);
    expect(error?.message).toBe("The agent server sent an SSE event over 10 bytes; the reply was cut off");
  });

  test("sseLimit starts counting again after a blank line ends the event", async () => {
    const { error } = await through(["data: 1\r\n\r\n", "data: 2\n\n", "data: 3\r\r"], 10);
    expect(error).toBeUndefined();
  });
});

describe("readTextLimited()", () => {
  function bodyOf(parts: number[]) {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (const n of parts) controller.enqueue(encoder.encode("a".repeat(n)));
        controller.close();
      },
    });
  }

  test("readTextLimited reads a body up to the limit", async () => {
    expect(await readTextLimited(bodyOf([5, 5]), 10)).toBe("a".repeat(10));
  });

  test("readTextLimited gives undefined past the limit", async () => {
    expect(await readTextLimited(bodyOf([5, 5, 1]), 10)).toBeUndefined();
  });
});

describe("truncateUtf8()", () => {
  test("truncateUtf8 keeps whole characters within the byte limit", () => {
    expect(truncateUtf8("héllo", 2)).toBe("h");
    expect(truncateUtf8("héllo", 3)).toBe("hé");
    expect(truncateUtf8("€€", 5)).toBe("€");
    expect(truncateUtf8("short", 100)).toBe("short");
  });
});

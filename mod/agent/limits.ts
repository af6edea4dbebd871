import { PicoclawError } from "../errors/mod.ts";

/** The longest SSE line, and the largest SSE event, read from an agent server: 1 MiB. */
export const MAX_SSE_LINE_BYTES = 1024 * 1024;

/** The largest non-streamed (JSON) body read from an agent server: 4 MiB. */
export const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** An `agent_error` with the message as given (it must say what failed, without secrets). */
export function agentError(message: string, cause?: unknown): PicoclawError {
  return new PicoclawError("agent_error", message, { cause });
}

/**
 * A byte stream pass-through that errors (with `agent_error`) as soon as one SSE line, or
 * one SSE event (the lines up to a blank line), is longer than `maxBytes`. It goes in front
 * of the SSE parser, which would otherwise buffer an unterminated line or an endless event
 * without bound. Lines end in `\n`, `\r` or `\r\n`, as in the SSE format. Erroring the
 * stream cancels its source, so the response body stops being read.
 *
 * @param maxBytes Bytes allowed per line and per event (default 1 MiB).
 * @example
 * body.pipeThrough(sseLimit()).pipeThrough(new TextDecoderStream())
 */
export function sseLimit(maxBytes: number = MAX_SSE_LINE_BYTES): TransformStream<Uint8Array, Uint8Array> {
  let lineBytes = 0;
  let eventBytes = 0;
  let afterCR = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF || byte === CR) {
          if (!(byte === LF && afterCR)) {
            if (lineBytes === 0) eventBytes = 0; // a blank line ends the event
            lineBytes = 0;
          }
          afterCR = byte === CR;
          continue;
        }
        afterCR = false;
        if (++lineBytes > maxBytes) {
          throw agentError(`The agent server sent an SSE line over ${describeBytes(maxBytes)}; the reply was cut off`);
        }
        if (++eventBytes > maxBytes) {
          throw agentError(`The agent server sent an SSE event over ${describeBytes(maxBytes)}; the reply was cut off`);
        }
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * Reads a whole body as text, counting bytes as they come (`Content-Length` is not trusted):
 * past `maxBytes` the body is cancelled and `undefined` is returned.
 *
 * @param body The response body (null reads as "").
 * @param maxBytes The most bytes to read.
 * @returns The UTF-8 text, or `undefined` when the body is larger than `maxBytes`.
 */
export async function readTextLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string | undefined> {
  if (!body) return "";
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      parts.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** UTF-8 bytes of a string, without encoding it. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character.
 *
 * @example
 * truncateUtf8("héllo", 2); // "h"
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // at most 3 bytes per UTF-16 code unit
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back to the start of a character
  return bytes.subarray(0, end).toString("utf8");
}

/** `1 MiB`, `4 MiB`, or `1000 bytes`: for error messages. */
export function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

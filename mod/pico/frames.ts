import { z } from "../zod/mod.ts";
import { PicoclawError } from "../errors/mod.ts";

/** Any Pico frame on the wire (SPEC §3.2); unknown `payload` keys are kept. */
export const FrameSchema = z.object({
  type: z.string(),
  id: z.optional(z.string()),
  session_id: z.optional(z.string()),
  timestamp: z.optional(z.number()),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

/** A parsed Pico frame. */
export type Frame = z.infer<typeof FrameSchema>;

const DATA_IMAGE = /^data:image\/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/]*={0,2}$/;

/**
 * Whether a media URL is an inline `data:image/...;base64,...` image, the only media the
 * protocol carries (SPEC §3.2): never a link the agent would fetch.
 *
 * @example
 * ```ts
 * isInlineImage("data:image/png;base64,iVBORw0KGgo="); // true
 * isInlineImage("https://example.com/a.png"); // false
 * ```
 */
export function isInlineImage(url: string): boolean {
  return DATA_IMAGE.test(url);
}

/** A media item: a `data:image/...;base64,...` URL, as a string or as `{url}` / `{data}`. */
const MediaItemSchema = z.union([
  z.string(),
  z.pipe(z.object({ url: z.string() }), z.transform((m: { url: string }) => m.url)),
  z.pipe(z.object({ data: z.string() }), z.transform((m: { data: string }) => m.data)),
]);

/** The payload of `message.send` / `media.send`. */
export const MessageSendPayloadSchema = z.object({
  content: z.optional(z.string()),
  media: z.optional(z.array(MediaItemSchema)),
});

/** A validated chat request from a client. */
export interface ChatRequest {
  content: string;
  /** Inline `data:image/...;base64` URLs. */
  media: string[];
}

/** The frame types a client may send. */
export const CLIENT_FRAME_TYPES = ["ping", "message.send", "media.send"] as const;

/** Describes where zod found a problem, for an `invalid_message` error. */
function describeIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join(".") : "frame";
  return `${where}: ${issue.message}`;
}

/**
 * Parses one text frame. Errors never close the connection; they come back as
 * `PicoclawError`s for an `error` frame.
 *
 * @throws {PicoclawError} `invalid_message` for bad JSON or a non-frame, `unknown_type` for an unknown `type`.
 */
export function parseFrame(text: string): Frame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PicoclawError("invalid_message", "Cannot parse frame: not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new PicoclawError("invalid_message", "Cannot parse frame: expected a JSON object");
  }
  const result = FrameSchema.safeParse(json);
  if (!result.success) throw new PicoclawError("invalid_message", `Invalid frame: ${describeIssue(result.error)}`);
  const frame = result.data;
  if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(frame.type)) {
    throw new PicoclawError("unknown_type", `Unknown frame type ${JSON.stringify(frame.type.slice(0, 64))}`);
  }
  return frame;
}

/**
 * Validates the payload of `message.send` / `media.send`.
 *
 * @throws {PicoclawError} `invalid_message` for wrong field types, `invalid_media` for media that
 *   is not an inline `data:image/...;base64` URL, `empty_content` for blank content without media.
 */
export function parseChatRequest(frame: Frame): ChatRequest {
  const result = MessageSendPayloadSchema.safeParse(frame.payload ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.path[0] === "media") {
      throw new PicoclawError("invalid_media", "Invalid media: each item must be a data:image/...;base64 URL");
    }
    throw new PicoclawError("invalid_message", `Invalid payload: ${describeIssue(result.error)}`);
  }
  const content = result.data.content ?? "";
  const media = result.data.media ?? [];
  for (const item of media) {
    if (!isInlineImage(item)) {
      throw new PicoclawError("invalid_media", "Invalid media: only inline data:image/...;base64 URLs are accepted");
    }
  }
  if (content.trim() === "" && media.length === 0) {
    throw new PicoclawError("empty_content", "Message content is empty");
  }
  return { content, media };
}

/** The payload fields of a server frame that a Pico client acts on (SPEC §3.2); other keys are kept. */
export const ServerPayloadSchema = z.looseObject({
  message_id: z.optional(z.string()),
  content: z.optional(z.string()),
  /** Checked item by item with `inlineImage()`, so one bad item does not lose the frame. */
  media: z.optional(z.array(z.unknown())),
  placeholder: z.optional(z.boolean()),
  kind: z.optional(z.string()),
  reply_to: z.optional(z.string()),
});

/** A server frame as a Pico client reads it. */
export const ServerFrameSchema = z.object({
  type: z.string(),
  id: z.optional(z.string()),
  session_id: z.optional(z.string()),
  timestamp: z.optional(z.number()),
  payload: z.optional(ServerPayloadSchema),
});

/** A parsed server frame (what the Pico client receives from a remote). */
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/**
 * Parses one frame from a remote Pico server (the Pico client's side of the protocol).
 *
 * @throws {PicoclawError} `invalid_message` for bad JSON or a frame whose known fields have wrong types.
 */
export function parseServerFrame(text: string): ServerFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PicoclawError("invalid_message", "Cannot parse server frame: not valid JSON");
  }
  const result = ServerFrameSchema.safeParse(json);
  if (!result.success) {
    throw new PicoclawError("invalid_message", `Invalid server frame: ${describeIssue(result.error)}`);
  }
  return result.data;
}

/**
 * The inline image of one media item (a string, `{url}` or `{data}`), or `undefined` for
 * anything that is not a `data:image/...;base64` URL.
 *
 * @example
 * ```ts
 * inlineImage({ url: "data:image/png;base64,iVBORw0KGgo=" }); // "data:image/png;base64,iVBORw0KGgo="
 * inlineImage("file:///etc/passwd"); // undefined
 * ```
 */
export function inlineImage(item: unknown): string | undefined {
  const result = MediaItemSchema.safeParse(item);
  return result.success && isInlineImage(result.data) ? result.data : undefined;
}

/** What a client frame carries besides its type (the timestamp is added). */
export interface ClientFrameFields {
  id?: string;
  session_id?: string;
  payload?: Record<string, unknown>;
}

/**
 * Builds a client frame (`ping`, `pong`, `message.send`, `media.send`) as JSON text, with `timestamp`.
 *
 * @example
 * ```ts
 * encodeClientFrame("message.send", { id: "m1", session_id: "s", payload: { content: "hi" } });
 * ```
 */
export function encodeClientFrame(
  type: (typeof CLIENT_FRAME_TYPES)[number] | "pong",
  fields: ClientFrameFields,
): string {
  return JSON.stringify({
    type,
    id: fields.id,
    session_id: fields.session_id,
    timestamp: Date.now(),
    payload: fields.payload,
  });
}

/**
 * Builds a server frame from parts already serialised to JSON: the hot path, where a
 * session's id is serialised once and a typing frame's payload is the constant `{}`.
 * `type` must be one of the protocol's frame types (it is not escaped).
 */
export function encodeServerFrame(type: string, sessionIdJson: string, payloadJson?: string, idJson?: string): string {
  const id = idJson === undefined ? "" : `,"id":${idJson}`;
  const payload = payloadJson === undefined ? "" : `,"payload":${payloadJson}`;
  return `{"type":"${type}"${id},"session_id":${sessionIdJson},"timestamp":${Date.now()}${payload}}`;
}

/** Builds a server frame as JSON text; every server frame carries `session_id` and `timestamp`. */
export function serverFrame(
  type: string,
  sessionId: string,
  payload?: Record<string, unknown>,
  id?: string,
): string {
  return encodeServerFrame(
    type,
    JSON.stringify(sessionId),
    payload === undefined ? undefined : JSON.stringify(payload),
    id === undefined ? undefined : JSON.stringify(id),
  );
}

/** Builds an `error` frame `{code, message, request_id?}` from an error (unknown errors say nothing more). */
export function toErrorFrame(err: unknown, sessionId: string, requestId?: string): string {
  const known = err instanceof PicoclawError;
  return serverFrame("error", sessionId, {
    code: known ? err.code : "internal_error",
    message: known ? err.message : "Internal error",
    request_id: requestId,
  });
}

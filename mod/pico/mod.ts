/**
 * @module
 * The Pico protocol (SPEC §3.2): frame schemas, parsing of client frames into
 * validated requests, and the builders for server frames and `error` frames.
 */

export {
  type ChatRequest,
  CLIENT_FRAME_TYPES,
  encodeServerFrame,
  type Frame,
  FrameSchema,
  MessageSendPayloadSchema,
  parseChatRequest,
  parseFrame,
  serverFrame,
  toErrorFrame,
} from "./frames.ts";

/**
 * @module
 * The Pico protocol (SPEC §3.2): frame schemas, parsing of client frames into
 * validated requests, the builders for server frames and `error` frames, and the Pico
 * client (SPEC §4) that dials a remote Pico server with its reconnect backoff.
 */

export { PicoClient, type PicoClientOptions, type PicoClientState, type PicoClientStatus } from "./client.ts";
export {
  type ChatRequest,
  CLIENT_FRAME_TYPES,
  type ClientFrameFields,
  encodeClientFrame,
  encodeServerFrame,
  type Frame,
  FrameSchema,
  inlineImage,
  isInlineImage,
  MessageSendPayloadSchema,
  parseChatRequest,
  parseFrame,
  parseServerFrame,
  type ServerFrame,
  serverFrame,
  ServerFrameSchema,
  ServerPayloadSchema,
  toErrorFrame,
} from "./frames.ts";

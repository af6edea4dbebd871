/**
 * @module
 * The Pico channel: every connected Pico WebSocket (gateway `/pico` and `/pico/ws`, the
 * dashboard's `/pico/ws`), admission (the one socket route with a token or a dashboard-session
 * strategy), sessions and fan-out, ping/read-timeout/slow-consumer handling, frame rate limits,
 * and the in-order agent replies per session.
 */

export {
  type AdmissionStrategy,
  type Admitted,
  channelFull,
  type ConnectionKind,
  isWebSocketUpgrade,
  RETRY_AFTER_FULL_S,
  sessionIdFrom,
  type SocketOwner,
  upgradeRequired,
} from "./admission.ts";
export { PicoChannel, type PicoChannelOptions, type PicoChannelStatus } from "./channel.ts";
export { ConnectionState, type PicoSocket } from "./connection.ts";
export { ChatMessageBodySchema, ChatReplySchema, MAX_API_BODY_BYTES } from "./message_body.ts";
export { collectPicoCredentials, isOriginAllowed, type PicoCredentials, type PresentedToken } from "./pico_auth.ts";
export { PicoReplySink, type SinkSession } from "./pico_sink.ts";
export { createPicoSocketRoute } from "./route.ts";
export { checkPicoToken, tokenAdmission, type TokenAdmissionOptions } from "./token_admission.ts";

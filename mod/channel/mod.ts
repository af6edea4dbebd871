/**
 * @module
 * The Pico channel: every connected Pico WebSocket (gateway `/pico` and dashboard
 * `/pico/ws`), sessions and fan-out, ping/read-timeout/slow-consumer handling, frame
 * rate limits, and the in-order agent replies per session.
 */

export { PicoChannel, type PicoChannelOptions, type PicoChannelStatus } from "./channel.ts";
export { type ChatResult, runChat, Session } from "./chat.ts";
export { type ConnectionKind, ConnectionState, type PicoSocket } from "./connection.ts";

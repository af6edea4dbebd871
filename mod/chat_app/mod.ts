/**
 * @module
 * What the chat-app channels (Telegram, Discord; SPEC §8) share: the `allow_from` rule and its
 * one helpful answer, splitting long replies, a `ReplySink` that sends a message and edits it at
 * most once a second while the agent streams, and the status every such channel reports.
 */

export { notAllowedAnswer, type SenderVerdict, senderVerdict } from "./allow_from.ts";
export { type ChatTarget, EditingReplySink, type EditingSinkOptions, EMPTY_REPLY } from "./editing_sink.ts";
export { splitText } from "./split_text.ts";
export { type ChatAppState, type ChatAppStatus, ChatAppStatusSchema } from "./status.ts";

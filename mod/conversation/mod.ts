/**
 * @module
 * The conversation core (DESIGN: one core, channels as adapters): `Conversation.converse()`
 * takes a user message from any channel, stores it, runs the agent in the session's order,
 * hands the reply pieces to the channel's `ReplySink` and stores the final reply.
 */

export {
  type ChatResult,
  Conversation,
  type ConversationOptions,
  type FinishedReply,
  MAX_QUEUED_PER_SESSION,
  type ReplyProgress,
  type ReplySink,
  type UserMessage,
} from "./conversation.ts";

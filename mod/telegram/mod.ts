/**
 * @module
 * The Telegram channel (SPEC §8): Bot API long polling through grammy's `Api` client, text
 * messages from allowed senders to the conversation core, replies sent then edited in place,
 * offsets stored so no update is handled twice across restarts.
 */

export { type ApiFailure, classifyApiError, isNotModified, MAX_RETRY_AFTER_MS } from "./api_errors.ts";
export { chatTarget, MAX_CALL_TRIES } from "./chat_target.ts";
export { readOffset, writeOffset } from "./offset_file.ts";
export {
  MAX_INCOMING_CHARS,
  TELEGRAM_MAX_CHARS,
  TelegramChannel,
  type TelegramChannelOptions,
  type TelegramSettings,
} from "./telegram_channel.ts";

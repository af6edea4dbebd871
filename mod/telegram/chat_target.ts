import type { Api } from "grammy";
import type { ChatTarget } from "../chat_app/mod.ts";
import type { Logger } from "../log/mod.ts";
import { classifyApiError, isNotModified } from "./api_errors.ts";

/** Tries of one send/edit/typing call that Telegram answers with 429. */
export const MAX_CALL_TRIES = 3;

/** grammy's Node build types its signals with the `abort-controller` shim; Bun's own AbortSignal is what it gets at run time. */
type GrammySignal = Parameters<Api["getMe"]>[0];

/** Passes Bun's AbortSignal where grammy's types want the shim's. */
export function forGrammy(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * One Telegram chat as an `EditingReplySink` target: `sendChatAction` typing, `sendMessage`,
 * `editMessageText` (an edit to the same text is not an error). Each call answered with 429 is
 * tried again after its `retry_after`, at most {@link MAX_CALL_TRIES} times in all.
 *
 * @param api grammy's Bot API client.
 * @param chatId The chat to answer in.
 * @param options The token (cut from logged errors), the channel's stop signal, the logger.
 * @returns The three calls of the chat.
 */
export function chatTarget(
  api: Api,
  chatId: number,
  options: { token: string; signal: AbortSignal; log: Logger },
): ChatTarget {
  const { token, signal, log } = options;
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    for (let tries = 1;; tries++) {
      try {
        return await run();
      } catch (err) {
        const failure = classifyApiError(err, token);
        if (failure.kind !== "rate_limited" || tries >= MAX_CALL_TRIES || signal.aborted) throw err;
        log.warn("telegram rate limit: waiting", { retry_after_ms: failure.retryAfterMs });
        await sleep(failure.retryAfterMs, signal);
      }
    }
  };
  return {
    typing: () => call(() => api.sendChatAction(chatId, "typing")).then(() => {}),
    send: (text) => call(() => api.sendMessage(chatId, text)).then((sent) => String(sent.message_id)),
    edit: (messageId, text) =>
      call(() => api.editMessageText(chatId, Number(messageId), text)).then(
        () => {},
        (err) => {
          if (!isNotModified(err)) throw err;
        },
      ),
  };
}

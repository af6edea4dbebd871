import type { REST } from "@discordjs/rest";
import type { ChatTarget } from "../chat_app/mod.ts";

/** How the REST client is bounded. */
export interface RestBounds {
  /** A 429 asking to wait longer than this is not waited for: the call fails. @default 60_000 */
  maxRetryAfterMs?: number;
  /** One call, with its retries and rate-limit waits, is given up after this long. @default 90_000 */
  callDeadlineMs?: number;
}

/**
 * The three calls the reply sink needs, for one Discord channel: typing, post a message, edit
 * it. Replies never ping anyone (`allowed_mentions` empty).
 *
 * @param rest The client from `createRest()` (rest_client.ts).
 * @param channelId The channel (or DM channel) id, digits only.
 * @param bounds The per-call deadline.
 */
export function channelTarget(rest: REST, channelId: string, bounds: RestBounds = {}): ChatTarget {
  const deadline = () => ({ signal: AbortSignal.timeout(bounds.callDeadlineMs ?? 90_000) });
  const noPings = { parse: [] };
  return {
    typing: async () => {
      await rest.post(`/channels/${channelId}/typing`, deadline());
    },
    send: async (text) => {
      const message = await rest.post(`/channels/${channelId}/messages`, {
        body: { content: text, allowed_mentions: noPings },
        ...deadline(),
      }) as { id: string };
      return message.id;
    },
    edit: async (messageId, text) => {
      await rest.patch(`/channels/${channelId}/messages/${messageId}`, {
        body: { content: text, allowed_mentions: noPings },
        ...deadline(),
      });
    },
  };
}

import { REST } from "@discordjs/rest";
import type { ChatTarget } from "../chat_app/mod.ts";

/** How the REST client is bounded. */
export interface RestBounds {
  /** A 429 asking to wait longer than this is not waited for: the call fails. @default 60_000 */
  maxRetryAfterMs?: number;
  /** One call, with its retries and rate-limit waits, is given up after this long. @default 90_000 */
  callDeadlineMs?: number;
}

/**
 * Makes the REST client for `api_base` (`https://discord.com/api/v10`: the version suffix
 * becomes the library's `version`). The library sends `Authorization: Bot <token>`, waits out
 * a 429's `retry_after` and retries; here a wait longer than `maxRetryAfterMs` fails the call
 * instead (an outside party does not get to park the channel for an hour).
 *
 * @param apiBase The configured `channels.discord.api_base`.
 * @param token The bot token.
 * @param bounds The rate-limit bound.
 */
export function createRest(apiBase: string, token: string, bounds: RestBounds = {}): REST {
  const base = apiBase.replace(/\/+$/, "");
  const versioned = base.match(/^(.*)\/v(\d+)$/);
  const maxRetryAfterMs = bounds.maxRetryAfterMs ?? 60_000;
  return new REST({
    api: versioned ? versioned[1] : base,
    version: versioned ? versioned[2] : "10",
    // One retry for a 5xx or a reset connection; 429s are waited out (bounded here).
    retries: 1,
    timeout: 15_000,
    rejectOnRateLimit: (limit) => limit.retryAfter > maxRetryAfterMs || limit.timeToReset > maxRetryAfterMs,
  }).setToken(token);
}

/**
 * The three calls the reply sink needs, for one Discord channel: typing, post a message, edit
 * it. Replies never ping anyone (`allowed_mentions` empty).
 *
 * @param rest The client from {@link createRest}.
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

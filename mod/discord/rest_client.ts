import { REST } from "@discordjs/rest";
import type { RestBounds } from "./rest.ts";

// Loaded with `import()` only when Discord is enabled: @discordjs/rest costs memory and start time.

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

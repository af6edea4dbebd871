import type { GrammyError, HttpError } from "grammy";

// Recognised by name, not `instanceof`: this file must not load grammy (it loads only when
// Telegram is enabled, see telegram_channel.ts).
function isGrammyError(err: unknown): err is GrammyError {
  return err instanceof Error && err.name === "GrammyError" && "error_code" in err;
}

function isHttpError(err: unknown): err is HttpError {
  return err instanceof Error && err.name === "HttpError";
}

/** What a failed Bot API call means for the channel. */
export type ApiFailure =
  /** The token is wrong or revoked (401, or 404 for a malformed token): wait the long auth retry. */
  | { kind: "auth"; message: string }
  /** 429: wait the seconds Telegram gives, then go on. */
  | { kind: "rate_limited"; message: string; retryAfterMs: number }
  /** Anything else (network drop, 5xx, 409 conflict): back off 1 s doubling to 60 s. */
  | { kind: "other"; message: string };

/** Longest `retry_after` honoured as given; a larger one is cut to this (a fake or a bug must not park the channel for days). */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Classifies an error from grammy's `Api` and describes it without secrets: grammy's own
 * messages carry no URL (its `sensitiveLogs` is off), and the token is cut from any cause's
 * text all the same.
 *
 * @param err What a Bot API call threw.
 * @param token The bot token, removed from the description wherever it appears.
 * @returns The kind of failure and a message fit for logs and `/api/status`.
 * @example
 * ```ts
 * const failure = classifyApiError(err, token); // { kind: "auth", message: "getMe: Telegram answered 401 Unauthorized ..." }
 * ```
 */
export function classifyApiError(err: unknown, token: string): ApiFailure {
  if (isGrammyError(err)) {
    const base = `${err.method}: Telegram answered ${err.error_code} ${err.description}`;
    if (err.error_code === 401 || (err.error_code === 404 && err.method === "getMe")) {
      return { kind: "auth", message: redact(`${base} (check channels.telegram.token)`, token) };
    }
    if (err.error_code === 429) {
      const seconds = Number(err.parameters.retry_after ?? 1);
      const retryAfterMs = Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Number.isFinite(seconds) ? seconds : 1) * 1000);
      return { kind: "rate_limited", message: redact(base, token), retryAfterMs };
    }
    return { kind: "other", message: redact(base, token) };
  }
  if (isHttpError(err)) {
    const cause = err.error instanceof Error ? `: ${err.error.message}` : "";
    return { kind: "other", message: redact(`${err.message}${cause}`, token) };
  }
  return { kind: "other", message: redact(err instanceof Error ? err.message : String(err), token) };
}

/** Whether an edit failed only because the text is already shown (Telegram's 400 "message is not modified"). */
export function isNotModified(err: unknown): boolean {
  return isGrammyError(err) && err.error_code === 400 && err.description.includes("message is not modified");
}

function redact(text: string, token: string): string {
  const cut = (token === "" ? text : text.replaceAll(token, "***")).slice(0, 300);
  // A token has the shape <bot id>:<secret>; any such shape left (a URL) is masked too.
  return cut.replace(/\d{3,}:[A-Za-z0-9_-]{20,}/g, "***");
}

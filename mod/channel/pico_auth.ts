/** A token a request presents, and how. */
export interface PresentedToken {
  token: string;
  via: "bearer" | "subprotocol" | "query";
  /** For `subprotocol`: the exact `token.<value>` entry, echoed back when this token is the one that matched. */
  protocol?: string;
}

/** Everything a `/pico` request presents for authentication. */
export interface PicoCredentials {
  tokens: PresentedToken[];
  /** A `?token=` was present but `allow_token_query` is off (it is then ignored). */
  ignoredQueryToken: boolean;
}

const BEARER = /^bearer[ \t]+(.*)$/i;
/** At most this many `token.` subprotocol entries are tried, so a long list cannot cost much. */
const MAX_PROTOCOL_TOKENS = 4;

/**
 * Collects the tokens a `/pico` request presents (SPEC §3.1): `Authorization: Bearer`
 * (scheme case-insensitive, surrounding white space ignored), `token.<value>` entries in
 * `Sec-WebSocket-Protocol`, and `?token=` only when `allowQuery` is true.
 */
export function collectPicoCredentials(headers: Headers, url: URL, allowQuery: boolean): PicoCredentials {
  const tokens: PresentedToken[] = [];
  const bearer = headers.get("authorization")?.match(BEARER)?.[1]?.trim();
  if (bearer) tokens.push({ token: bearer, via: "bearer" });
  const offered = (headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  for (const entry of offered.filter((p) => p.startsWith("token.")).slice(0, MAX_PROTOCOL_TOKENS)) {
    const token = entry.slice("token.".length);
    if (token === "") continue;
    tokens.push({ token, via: "subprotocol", protocol: entry });
  }
  const query = url.searchParams.get("token");
  if (query && allowQuery) tokens.push({ token: query, via: "query" });
  return { tokens, ignoredQueryToken: Boolean(query) && !allowQuery };
}

/** The Origin check (SPEC §3.1 step 2): an empty list or `*` allows all; no Origin header is allowed. */
export function isOriginAllowed(origin: string | undefined, allowOrigins: readonly string[]): boolean {
  if (!origin || allowOrigins.length === 0) return true;
  return allowOrigins.some((allowed) => allowed === "*" || allowed.replace(/\/+$/, "") === origin);
}

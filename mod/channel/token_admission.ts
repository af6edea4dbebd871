import { timingSafeEqual } from "hono/utils/buffer";
import type { Config } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { clientAddress } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { AdmissionStrategy } from "./admission.ts";
import { collectPicoCredentials, isOriginAllowed } from "./pico_auth.ts";

/** What the token strategy reads: the live Pico settings, and the logger and metrics. */
export interface TokenAdmissionOptions {
  pico: () => Config["channels"]["pico"];
  log: Logger;
  metrics: Metrics;
}

/**
 * Compares a presented token with the Pico token in constant time; an unset token matches nothing.
 * @returns True when `presented` is the Pico token.
 */
export async function checkPicoToken(pico: Config["channels"]["pico"], presented: string): Promise<boolean> {
  const token = pico.token;
  if (!token.isSet || presented === "") return false;
  return await timingSafeEqual(token.reveal(), presented);
}

/**
 * The Pico token strategy for `/pico` and the gateway's `/pico/ws` (SPEC §3.1 steps 1–3):
 * channel disabled 503, `Origin` not allowed 403, not authenticated 401 with
 * `WWW-Authenticate: Bearer`. Every presented token is compared (no early exit), and the
 * subprotocol echoed is the `token.<value>` entry that matched.
 */
export function tokenAdmission(options: TokenAdmissionOptions): AdmissionStrategy {
  const { log, metrics } = options;
  return {
    kind: "pico",
    async authenticate(c) {
      const pico = options.pico();
      if (!pico.enabled) throw new PicoclawError("channel_disabled", "The Pico channel is disabled");
      const remote = clientAddress(c);
      const origin = c.req.header("origin");
      if (!isOriginAllowed(origin, pico.allow_origins)) {
        metrics.authFailures.inc({ reason: "origin_not_allowed" });
        log.refusal("pico_origin", "warn", "pico connection refused: origin not allowed", { ip: remote, origin });
        throw new PicoclawError("origin_not_allowed", "This Origin may not connect to the Pico channel");
      }
      const credentials = collectPicoCredentials(c.req.raw.headers, new URL(c.req.url), pico.allow_token_query);
      let matched: { protocol?: string } | undefined;
      for (const presented of credentials.tokens) {
        if (await checkPicoToken(pico, presented.token)) matched ??= presented;
      }
      if (!matched) {
        const reason = credentials.tokens.length > 0
          ? "invalid_token"
          : credentials.ignoredQueryToken
          ? "query_token_disabled"
          : "missing_token";
        metrics.authFailures.inc({ reason });
        log.refusal("pico_auth", "warn", "pico connection refused: not authenticated", { ip: remote, reason });
        throw new PicoclawError("unauthorized", "A valid Pico token is required", {
          headers: { "WWW-Authenticate": "Bearer" },
        });
      }
      return { protocol: matched.protocol ?? "", remote };
    },
  };
}

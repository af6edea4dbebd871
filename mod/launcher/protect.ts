import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { PicoclawError } from "../errors/mod.ts";

/**
 * Headers on every launcher response (SPEC §5.4): `Referrer-Policy: no-referrer`,
 * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, and a Content-Security-Policy
 * that allows only this origin and no inline script.
 */
export function launcherHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    xContentTypeOptions: true,
    strictTransportSecurity: false,
  });
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The origin a request says it comes from: `Origin`, or lacking it the origin of `Referer`. */
function claimedOrigin(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin !== undefined) return origin;
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return "invalid";
  }
}

/**
 * CSRF protection (SPEC §5.4): a state-changing request of any content type (JSON too) that
 * carries an `Origin` (or, lacking it, a `Referer`) other than the launcher's own origin is
 * refused with 403 `csrf`; requests with neither header (curl, scripts) pass.
 *
 * @param ownOrigin The launcher's origin as this request addressed it (HTTPS only behind a trusted proxy). Hono's `csrf`
 * middleware checks only form content types, so this is our own.
 */
export function sameOriginOnly(ownOrigin: (c: Context) => string): MiddlewareHandler {
  return async function sameOriginOnly(c, next) {
    if (STATE_CHANGING.has(c.req.method)) {
      const claimed = claimedOrigin(c.req.header("origin"), c.req.header("referer"));
      if (claimed !== undefined && claimed !== ownOrigin(c)) {
        throw new PicoclawError("csrf", "Cross-site request refused");
      }
    }
    await next();
  };
}

import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError, PicoclawError, STATUS_BY_CODE } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";

/** The one place an error becomes an HTTP response: `{error, message, details?}` JSON. */
export function errorResponse(c: Context, err: PicoclawError): Response {
  const status = STATUS_BY_CODE[err.code] as ContentfulStatusCode;
  const body: Record<string, unknown> = { error: err.code, message: err.message };
  if (err.details !== undefined) body.details = err.details;
  if (err instanceof ConfigError) body.details = err.problems;
  return c.json(body, status, err.headers);
}

/**
 * Hono `onError` for every app: `PicoclawError`s map to their status and code, Hono's
 * `HTTPException`s keep their response, anything else is logged and answered
 * `internal_error` with no detail.
 */
export function createErrorHandler(log: Logger): ErrorHandler {
  return function handleError(err, c) {
    if (err instanceof PicoclawError) return errorResponse(c, err);
    if (err instanceof HTTPException) {
      // Middleware that built its own response (bearer auth) keeps it; others become JSON.
      if (err.res) return err.getResponse();
      const code = err.status === 400 ? "invalid_request" : err.status === 413 ? "payload_too_large" : undefined;
      if (code) return errorResponse(c, new PicoclawError(code, err.message || "Bad request"));
    }
    log.error("unexpected error", { path: c.req.path, error: err });
    return errorResponse(c, new PicoclawError("internal_error", "Internal error"));
  };
}

/** Hono `notFound`: 404 `not_found` JSON. */
export const handleNotFound: NotFoundHandler = function handleNotFound(c) {
  return errorResponse(c, new PicoclawError("not_found", `No route for ${c.req.method} ${c.req.path}`));
};

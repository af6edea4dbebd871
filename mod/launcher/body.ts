import type { Context } from "hono";
import { PicoclawError } from "../errors/mod.ts";
import { isJsonContentType } from "../http/mod.ts";

/**
 * Reads a `POST /login` or `/setup` body, JSON or form (SPEC §5.2).
 * @throws {PicoclawError} `invalid_request` for malformed JSON, `unsupported_media_type` for another content type.
 */
export async function readLoginBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type")?.toLowerCase() ?? "";
  if (isJsonContentType(type)) {
    try {
      return await c.req.json();
    } catch {
      throw new PicoclawError("invalid_request", "The request body is not valid JSON");
    }
  }
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    return await c.req.parseBody();
  }
  throw new PicoclawError("unsupported_media_type", "Send the body as application/json or as a form");
}

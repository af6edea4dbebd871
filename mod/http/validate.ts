import { zValidator } from "@hono/zod-validator";
import type { z } from "../zod/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { documentJsonBody } from "./openapi.ts";

/** The 400 `invalid_request` error for a body that failed a schema; `details` lists each field's problem. */
export function invalidRequest(error: z.core.$ZodError): PicoclawError {
  const details = error.issues.map((i) => ({ field: i.path.join(".") || "body", message: i.message }));
  return new PicoclawError(
    "invalid_request",
    `Invalid request: ${details.map((d) => `${d.field}: ${d.message}`).join("; ")}`,
    { details },
  );
}

/**
 * Parses a value with a zod schema.
 * @throws {PicoclawError} `invalid_request` (400) naming each field's problem.
 */
export function parseRequest<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(result.error);
  return result.data;
}

/** True when the request says its body is JSON (`application/json`, any parameters). */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? "");
}

/**
 * Validates a JSON body with a zod schema (`@hono/zod-validator`). A body that is not
 * `application/json` is a 415 `unsupported_media_type` (without this a form or text body would
 * be read as `{}` and only the CSRF check would stand in the way); a bad body a 400 `invalid_request`.
 * The OpenAPI document shows `schema` as the route's request body.
 *
 * @example
 * app.post("/api/messages", jsonBody(ChatMessageBodySchema), (c) => c.json(c.req.valid("json")));
 */
export function jsonBody<T extends z.ZodMiniType>(schema: T) {
  const validate = zValidator("json", schema, (result) => {
    if (!result.success) throw invalidRequest(result.error);
  });
  return documentJsonBody(
    (function jsonBody(c, next) {
      if (!isJsonContentType(c.req.header("content-type"))) {
        throw new PicoclawError("unsupported_media_type", "Send the body as application/json");
      }
      return validate(c, next);
    }) as typeof validate,
    schema,
  );
}

import { zValidator } from "@hono/zod-validator";
import type { z } from "../zod/mod.ts";
import { PicoclawError } from "../errors/mod.ts";

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

/** Validates a JSON body with a zod schema (`@hono/zod-validator`); a bad body is a 400 `invalid_request`. */
export function jsonBody<T extends z.ZodMiniType>(schema: T) {
  return zValidator("json", schema, (result) => {
    if (!result.success) throw invalidRequest(result.error);
  });
}

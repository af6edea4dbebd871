import { zValidator } from "@hono/zod-validator";
import type { z } from "../zod/mod.ts";
import { PicoclawError } from "../errors/mod.ts";

/**
 * Validates a JSON body with a zod schema (`@hono/zod-validator`); a bad body becomes 400
 * `invalid_request` whose `details` list each field's problem.
 */
export function jsonBody<T extends z.ZodMiniType>(schema: T) {
  return zValidator("json", schema, (result) => {
    if (!result.success) {
      const problems = result.error.issues.map((i) => ({ field: i.path.join(".") || "body", message: i.message }));
      throw new PicoclawError(
        "invalid_request",
        `Invalid request: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
        { details: problems },
      );
    }
  });
}

import { isValidSessionId } from "../config/mod.ts";
import { z } from "../zod/mod.ts";

/** A chat message over HTTP: the gateway's `POST /api/messages` and the dashboard's `POST /api/chat`. */
export const ChatMessageBodySchema = z.object({
  content: z.string().check(z.refine((s) => s.trim() !== "", "must not be blank")),
  session_id: z.optional(
    z.string().check(z.refine(isValidSessionId, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")),
  ),
});

/** The answer to a chat message over HTTP, for the OpenAPI document. */
export const ChatReplySchema = z.object({ session_id: z.string(), message_id: z.string(), content: z.string() });

/** Bodies over this size are refused with 413 (SPEC §3.4). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

import { z } from "../zod/mod.ts";

/**
 * A chat-app channel's state (SPEC §8): `disabled` (off), `starting` (connecting, first
 * call), `running`, `auth_failed` (the platform answered 401; retried every 60 s), `retrying`
 * (a network drop or a 5xx; backoff 1 s doubling to 60 s).
 */
export type ChatAppState = "disabled" | "starting" | "running" | "auth_failed" | "retrying";

/** `/api/status` `telegram` / `discord`. */
export interface ChatAppStatus {
  enabled: boolean;
  state: ChatAppState;
  /** What failed last, without secrets; null when nothing has. */
  last_error: string | null;
  /** The bot's username once known, else null. */
  bot: string | null;
}

/** `ChatAppStatus` as a schema (the OpenAPI documents of `/api/status` and `/api/channels`). */
export const ChatAppStatusSchema = z.object({
  enabled: z.boolean(),
  state: z.enum(["disabled", "starting", "running", "auth_failed", "retrying"]),
  last_error: z.nullable(z.string()),
  bot: z.nullable(z.string()),
});

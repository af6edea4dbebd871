import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { ChatMessageBodySchema, ChatReplySchema, MAX_API_BODY_BYTES, type PicoChannel } from "../channel/mod.ts";
import { ChatAppStatusSchema } from "../chat_app/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { describe, jsonBody } from "../http/mod.ts";
import { describeSessionMessages, type HistoryStore, sessionMessagesRoute } from "../history/mod.ts";
import { z } from "../zod/mod.ts";
import type { Metrics } from "../metrics/mod.ts";

/** What `/api/status` reports; the gateway builds it from its parts. */
export type StatusReport = Record<string, unknown>;

/** What the API routes need. */
export interface ApiOptions {
  channel: PicoChannel;
  history: HistoryStore;
  metrics: Metrics;
  status: () => StatusReport;
}

/** `GET /api/status`, for the OpenAPI document (SPEC §3.4; later sections add keys). */
export const GatewayStatusSchema = z.looseObject({
  version: z.string(),
  uptime_s: z.number(),
  pico: z.looseObject({ enabled: z.boolean(), connections: z.number(), sessions: z.number() }),
  pico_client: z.looseObject({ enabled: z.boolean(), connected: z.boolean(), state: z.string() }),
  agent: z.looseObject({ provider: z.string(), model: z.string() }),
  telegram: ChatAppStatusSchema,
  discord: z.optional(ChatAppStatusSchema),
});

const UNAUTHORIZED = { "401": "`unauthorized`: no valid `Authorization: Bearer <pico token>`" };

function unauthorized(metrics: Metrics, reason: string) {
  return (c: Context) => {
    metrics.authFailures.inc({ reason });
    return c.json({ error: "unauthorized", message: "A valid Pico token is required as Authorization: Bearer" }, 401);
  };
}

/**
 * The Bearer-protected HTTP API: `/api/status`, `POST /api/messages`, `/metrics`.
 * Only the `Authorization: Bearer <pico token>` header is accepted, never a query token.
 */
export function createApi(options: ApiOptions): Hono {
  const { channel, metrics } = options;
  const api = new Hono();
  const auth = bearerAuth({
    verifyToken: (token) => channel.checkToken(token),
    noAuthenticationHeader: { message: unauthorized(metrics, "missing_token") },
    invalidAuthenticationHeader: { message: unauthorized(metrics, "malformed_header") },
    invalidToken: { message: unauthorized(metrics, "invalid_token") },
  });
  api.use("/api/*", auth);
  api.use("/metrics", auth);

  api.get(
    "/api/status",
    describe({ summary: "Gateway status", tags: ["status"], response: GatewayStatusSchema, responses: UNAUTHORIZED }),
    (c) => c.json(options.status()),
  );

  api.post(
    "/api/messages",
    describe({
      summary: "Send a message to the agent",
      description: "Runs the agent; the same reply is pushed to the session's WebSocket connections.",
      tags: ["chat"],
      response: ChatReplySchema,
      responses: { ...UNAUTHORIZED, "413": "`payload_too_large`: the body is over 1 MiB" },
    }),
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: () => {
        throw new PicoclawError("payload_too_large", `The request body is over ${MAX_API_BODY_BYTES} bytes`);
      },
    }),
    jsonBody(ChatMessageBodySchema),
    async (c) => {
      const body = c.req.valid("json");
      const result = await channel.chat(
        body.session_id ?? crypto.randomUUID(),
        { content: body.content, media: [] },
        "api",
      );
      return c.json(result);
    },
  );

  // A Pico client restores a conversation after a reconnect (SPEC §6).
  api.get(
    "/api/sessions/:id/messages",
    describeSessionMessages(UNAUTHORIZED),
    sessionMessagesRoute(options.history),
  );

  api.get(
    "/metrics",
    describe({
      summary: "Prometheus metrics",
      tags: ["status"],
      responses: { "200": { description: "Prometheus text format", media: "text/plain" }, ...UNAUTHORIZED },
    }),
    async (c) => {
      return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
    },
  );
  return api;
}

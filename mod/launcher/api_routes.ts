import { Hono } from "hono";
import { z } from "../zod/mod.ts";
import { type ConfigChange, describeEffectiveConfig, generateToken } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { ChatMessageBodySchema, ChatReplySchema } from "../channel/mod.ts";
import { describe, jsonBody, OkBodySchema } from "../http/mod.ts";
import { type LauncherContext, type LauncherEnv, NO_STORE } from "./context.ts";

/** A Pico token must travel in a Bearer header and a `token.<value>` subprotocol. */
const PicoTokenSchema = z.string().check(
  z.regex(/^[A-Za-z0-9._~+-]{16,512}$/, "must be 16-512 characters of A-Z a-z 0-9 . _ ~ + -"),
);

const SetPicoTokenSchema = z.object({ token: z.optional(PicoTokenSchema) });
const EnabledSchema = z.object({ enabled: z.boolean() });
const PicoClientSchema = z.object({
  enabled: z.boolean(),
  url: z.string(),
  session_id: z._default(z.string(), ""),
  token: z.optional(z.string().check(z.minLength(1))),
});

/** `GET /api/status`: the gateway's status keys (not repeated here) and the launcher's own. */
const LauncherStatusSchema = z.looseObject({
  launcher: z.object({ port: z.number(), public: z.boolean(), token_source: z.enum(["env", "config", "random"]) }),
});

/**
 * The logged-in JSON API the dashboard uses (SPEC §5.2). Every change goes through the
 * ConfigStore (validated, written atomically, applied live). Secret values leave the server
 * only from the two `reveal` routes, which the user triggers.
 */
export function createApiRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();
  const channel = ctx.channel;
  const config = () => ctx.store.loaded.config;

  app.get(
    "/api/status",
    describe({
      summary: "Gateway status, and the launcher's port, binding and token source",
      tags: ["status"],
      description: "The gateway's `GET /api/status` answer (see the gateway's document) plus `launcher`, " +
        "and `pico.dashboard_connections` (the dashboard's own tabs, counted apart).",
      response: LauncherStatusSchema,
    }),
    (c) => {
      const { launcher } = ctx.store.loaded;
      const gateway = ctx.gatewayStatus();
      // The §3.4 counts stay as they are (every socket); the dashboard's own tabs are counted apart.
      const pico = { ...(gateway.pico as object), dashboard_connections: channel.dashboardConnections() };
      return c.json({
        ...gateway,
        pico,
        launcher: { port: launcher.port, public: launcher.public, token_source: ctx.token.source },
      });
    },
  );

  app.get(
    "/api/config",
    describe({ summary: "The effective config with each value's source (secrets masked)", tags: ["config"] }),
    (c) => c.json(describeEffectiveConfig(ctx.store.loaded)),
  );

  app.get(
    "/api/tokens",
    describe({ summary: "The Pico and launcher tokens, masked, with their sources", tags: ["tokens"] }),
    (c) => {
      const pico = config().channels.pico.token;
      return c.json({
        pico: {
          set: pico.isSet,
          masked: pico.toString(),
          source: ctx.store.loaded.sources.get("channels.pico.token"),
        },
        launcher: { masked: ctx.token.source === "env" ? "" : ctx.token.secret.toString(), source: ctx.token.source },
      });
    },
  );

  app.post(
    "/api/pico/token",
    describe({
      summary: "Set or generate the Pico token (written to .security.yml)",
      description: "Without `token` a new random one is made. WebSockets that used the old token close with 4001.",
      tags: ["tokens"],
    }),
    jsonBody(SetPicoTokenSchema),
    async (c) => {
      const token = c.req.valid("json").token ?? generateToken(32);
      const { warnings } = await ctx.store.update([{ key: "channels.pico.token", value: token }]);
      ctx.log.info("pico token changed from the dashboard");
      return c.json({ ok: true, masked: config().channels.pico.token.toString(), warnings });
    },
  );

  app.post(
    "/api/pico/token/reveal",
    describe({
      summary: "The Pico token in clear (the user asked to see or copy it)",
      tags: ["tokens"],
      response: z.object({ token: z.string() }),
      responses: { "400": "`invalid_request`: no Pico token is set" },
    }),
    (c) => {
      const token = config().channels.pico.token;
      if (!token.isSet) throw new PicoclawError("invalid_request", "No Pico token is set");
      return c.json({ token: token.reveal() }, 200, NO_STORE);
    },
  );

  app.post(
    "/api/launcher/token/reveal",
    describe({
      summary: "The launcher token in clear (never one from PICOCLAW_LAUNCHER_TOKEN)",
      tags: ["tokens"],
      response: z.object({ source: z.string(), token: z.optional(z.string()) }),
    }),
    (c) => {
      // A token from PICOCLAW_LAUNCHER_TOKEN is never echoed (SPEC §5.1).
      if (ctx.token.source === "env") return c.json({ source: "env" }, 200, NO_STORE);
      return c.json({ source: ctx.token.source, token: ctx.token.secret.reveal() }, 200, NO_STORE);
    },
  );

  app.get(
    "/api/pico/enabled",
    describe({ summary: "Whether the public Pico channel is on", tags: ["config"], response: EnabledSchema }),
    (c) => c.json({ enabled: channel.enabled }),
  );

  app.post(
    "/api/pico/enabled",
    describe({ summary: "Turn the public Pico channel on or off (applied live)", tags: ["config"] }),
    jsonBody(EnabledSchema),
    async (c) => {
      const { enabled } = c.req.valid("json");
      if (enabled && !config().channels.pico.token.isSet) {
        throw new PicoclawError("invalid_request", "Set a Pico token first (Tokens tab), then enable the channel");
      }
      const { warnings } = await ctx.store.update([{ key: "channels.pico.enabled", value: enabled }]);
      return c.json({ ok: true, enabled, warnings });
    },
  );

  app.get(
    "/api/pico_client",
    describe({ summary: "The Pico client settings (token masked)", tags: ["config"] }),
    (c) => {
      const client = config().channels.pico_client;
      return c.json({
        enabled: client.enabled,
        url: client.url,
        session_id: client.session_id,
        token: { set: client.token.isSet, masked: client.token.toString() },
      });
    },
  );

  app.post(
    "/api/pico_client",
    describe({ summary: "Change the Pico client settings (applied live)", tags: ["config"], response: OkBodySchema }),
    jsonBody(PicoClientSchema),
    async (c) => {
      const body = c.req.valid("json");
      if (body.enabled && body.url === "") {
        throw new PicoclawError("invalid_request", "channels.pico_client.url: set the remote URL to enable the client");
      }
      const changes: ConfigChange[] = [
        { key: "channels.pico_client.url", value: body.url },
        { key: "channels.pico_client.session_id", value: body.session_id },
        { key: "channels.pico_client.enabled", value: body.enabled },
      ];
      if (body.token !== undefined) changes.push({ key: "channels.pico_client.token", value: body.token });
      const { warnings } = await ctx.store.update(changes);
      return c.json({ ok: true, warnings });
    },
  );

  app.post(
    "/api/chat",
    describe({ summary: "Send a chat message to the agent", tags: ["chat"], response: ChatReplySchema }),
    jsonBody(ChatMessageBodySchema),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(
        await channel.chat(body.session_id ?? crypto.randomUUID(), { content: body.content, media: [] }, "dashboard"),
      );
    },
  );

  return app;
}

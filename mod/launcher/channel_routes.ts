import { Hono } from "hono";
import { z } from "../zod/mod.ts";
import type { ChatAppStatus } from "../chat_app/mod.ts";
import type { ConfigChange } from "../config/mod.ts";
import { ConfigError, PicoclawError } from "../errors/mod.ts";
import { describe, jsonBody } from "../http/mod.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";

/** The chat-app channels the Channels page manages (SPEC §8). */
export const CHAT_APP_CHANNELS = ["telegram", "discord"] as const;
type ChatAppName = typeof CHAT_APP_CHANNELS[number];

/** `PUT /api/channels/:name`: each field optional (omitted = keep); `token: ""` clears the token. */
const ChannelUpdateSchema = z.object({
  enabled: z.optional(z.boolean()),
  token: z.optional(
    z.string().check(z.maxLength(512), z.regex(/^[\x21-\x7e]*$/, "must be printable ASCII without spaces")),
  ),
  allow_from: z.optional(z.array(z.string())),
});

/** What `GET /api/channels` reports for one channel: its status, its allow list, whether a token is set (never the token). */
export interface ChannelView extends ChatAppStatus {
  allow_from: string[];
  token_set: boolean;
}

function isChatAppName(name: string): name is ChatAppName {
  return (CHAT_APP_CHANNELS as readonly string[]).includes(name);
}

/**
 * The Channels page API (SPEC §8), the same for every chat-app channel: `GET /api/channels` →
 * `{telegram: {...status, allow_from, token_set}, discord: {...}}`; `PUT /api/channels/:name`
 * `{enabled?, token?, allow_from?}` → validated by the config schema, the token written to
 * `.security.yml` and the rest to `config.json` through the ConfigStore, applied live by the
 * channel's own subscription; answers the channel's new view. A channel's live status comes from
 * the gateway's status report (its key `telegram` / `discord`); a channel the app does not run
 * yet shows `disabled`.
 */
export function createChannelRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  const view = (name: ChatAppName, report: Record<string, unknown>): ChannelView => {
    const settings = ctx.store.config.channels[name];
    const live = report[name] as ChatAppStatus | undefined;
    const status: ChatAppStatus = live ?? { enabled: settings.enabled, state: "disabled", last_error: null, bot: null };
    return {
      ...status,
      enabled: settings.enabled,
      allow_from: [...settings.allow_from],
      token_set: settings.token.isSet,
    };
  };

  app.get(
    "/api/channels",
    describe({
      summary: "Telegram and Discord: state, bot, allow_from, whether a token is set (never the token)",
      tags: ["channels"],
    }),
    (c) => {
      const report = ctx.gatewayStatus();
      return c.json(Object.fromEntries(CHAT_APP_CHANNELS.map((name) => [name, view(name, report)])));
    },
  );

  app.put(
    "/api/channels/:name",
    describe({
      summary: "Enable a chat channel, set its token (write-only) or allow_from; applied live",
      tags: ["channels"],
      responses: { "404": "`not_found`: no such channel" },
    }),
    jsonBody(ChannelUpdateSchema),
    async (c) => {
      const name = c.req.param("name");
      if (!isChatAppName(name)) throw new PicoclawError("not_found", `No channel named "${name.slice(0, 40)}"`);
      const body = c.req.valid("json");
      const tokenSet = body.token !== undefined ? body.token !== "" : ctx.store.config.channels[name].token.isSet;
      if (body.enabled === true && !tokenSet) {
        throw new PicoclawError("invalid_request", `channels.${name}.token: set the bot token to enable ${name}`);
      }
      const changes: ConfigChange[] = [];
      if (body.allow_from !== undefined) {
        const list = body.allow_from.map((id) => id.trim()).filter((id) => id !== "");
        changes.push({ key: `channels.${name}.allow_from`, value: list });
      }
      if (body.token !== undefined) changes.push({ key: `channels.${name}.token`, value: body.token });
      if (body.enabled !== undefined) changes.push({ key: `channels.${name}.enabled`, value: body.enabled });
      let warnings: string[] = [];
      if (changes.length > 0) {
        try {
          ({ warnings } = await ctx.store.update(changes));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          throw new PicoclawError("invalid_request", err.message);
        }
        ctx.log.info("channel settings changed from the dashboard", { channel: name, keys: changes.map((k) => k.key) });
      }
      return c.json({ ...view(name, ctx.gatewayStatus()), warnings });
    },
  );

  return app;
}

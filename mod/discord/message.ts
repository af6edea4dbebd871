import { z } from "../zod/mod.ts";

/** GUILD_MESSAGES (1 << 9) | DIRECT_MESSAGES (1 << 12) | MESSAGE_CONTENT (1 << 15). */
export const INTENTS = (1 << 9) | (1 << 12) | (1 << 15);

/** Characters of one Discord message taken to the agent; the rest is cut off. */
export const MAX_CONTENT_CHARS = 16_384;

const Snowflake = z.string().check(z.regex(/^\d{1,20}$/));

/** The fields of a Gateway `MESSAGE_CREATE` the channel reads; anything else is ignored. */
const MessageCreateSchema = z.object({
  channel_id: Snowflake,
  guild_id: z.optional(z.nullable(Snowflake)),
  author: z.object({ id: Snowflake, username: z.string(), bot: z.optional(z.boolean()) }),
  content: z.string(),
  mentions: z.optional(z.array(z.object({ id: Snowflake }))),
});

/** A Discord message the bot should answer. */
export interface IncomingMessage {
  channelId: string;
  userId: string;
  username: string;
  /** The text with the bot's mention taken out, cut to {@link MAX_CONTENT_CHARS}. */
  content: string;
}

/**
 * Decides whether a `MESSAGE_CREATE` is for the bot: a direct message (no `guild_id`), or a
 * guild message that mentions the bot. Messages of the bot itself and of other bots, malformed
 * ones and ones left empty once the mention is taken out are not.
 *
 * @param data The dispatch's `d`.
 * @param botId The bot's user id (from READY).
 * @returns The message to answer, or null to ignore it.
 * @example
 * ```ts
 * readMessage({ channel_id: "7", guild_id: "3", author: { id: "5", username: "ann" }, content: "<@1> hi",
 *   mentions: [{ id: "1" }] }, "1"); // { channelId: "7", userId: "5", username: "ann", content: "hi" }
 * ```
 */
export function readMessage(data: unknown, botId: string): IncomingMessage | null {
  const parsed = MessageCreateSchema.safeParse(data);
  if (!parsed.success) return null;
  const message = parsed.data;
  if (message.author.bot || message.author.id === botId) return null;
  const mention = new RegExp(`<@!?${botId}>`, "g");
  const isDirect = message.guild_id === undefined || message.guild_id === null;
  const mentioned = (message.mentions ?? []).some((m) => m.id === botId) || message.content.search(mention) >= 0;
  if (!isDirect && !mentioned) return null;
  const content = message.content.replace(mention, "").trim().slice(0, MAX_CONTENT_CHARS);
  if (content === "") return null;
  return { channelId: message.channel_id, userId: message.author.id, username: message.author.username, content };
}

/**
 * @module
 * The Discord channel (SPEC §8): the Gateway WebSocket through `@discordjs/ws` and the REST API
 * through `@discordjs/rest`, both pointed at `channels.discord.api_base`; direct messages and
 * mentions go through the conversation core, replies are posted then edited while they stream.
 */

export { DISCORD_MAX_CHARS, DiscordChannel, type DiscordChannelOptions } from "./channel.ts";
export { type IncomingMessage, INTENTS, MAX_CONTENT_CHARS, readMessage } from "./message.ts";

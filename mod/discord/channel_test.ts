import { afterEach, describe, expect, test } from "bun:test";
import { createEchoAgent } from "../agent/mod.ts";
import { Conversation } from "../conversation/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { startFakeDiscord } from "../../tests/helpers/fake_discord.ts";
import { eventually } from "../../tests/helpers/remote_pico.ts";
import { makeStore } from "../../tests/helpers/store.ts";
import { makeTempHome } from "../../tests/helpers/temp_home.ts";
import { DiscordChannel, type DiscordChannelOptions } from "./channel.ts";

const TOKEN = "in-process-discord-token-0123456789";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A DiscordChannel (real @discordjs/ws and @discordjs/rest) against a fake Discord. */
function setup(token: string, options: Partial<DiscordChannelOptions> = {}) {
  const fake = startFakeDiscord(TOKEN);
  cleanups.push(() => fake.stop());
  const home = makeTempHome();
  cleanups.push(() => home.remove());
  const store = makeStore({
    channels: { discord: { enabled: true, token, api_base: fake.apiBase, allow_from: ["5"] } },
  }, home.path);
  const log = createLogger({ stderr: false });
  const history = new MemoryHistoryStore();
  const conversation = new Conversation({ agent: createEchoAgent(), history, log });
  const discord = new DiscordChannel({ store, conversation, log, ...options });
  cleanups.push(() => discord.stop());
  discord.start();
  return { fake, store, discord, history };
}

describe("DiscordChannel", () => {
  test("a refused token is auth_failed and retried every authRetryMs until Discord accepts it", async () => {
    const { fake, discord } = setup("revoked-token-0123456789", { authRetryMs: 300 });
    await eventually(() => discord.status().state === "auth_failed", 5000, "auth_failed");
    expect(discord.status().last_error).toContain("401");
    await eventually(() => fake.calls.filter((c) => c.path === "/gateway/bot").length >= 3, 5000, "retries");
    const tries = fake.calls.filter((c) => c.path === "/gateway/bot");
    for (let i = 1; i < tries.length; i++) expect(tries[i].at - tries[i - 1].at).toBeGreaterThanOrEqual(290);
    fake.setToken("revoked-token-0123456789");
    await eventually(() => discord.status().state === "running", 5000, "running");
    expect(discord.status()).toEqual({
      enabled: true,
      state: "running",
      last_error: "Discord answered 401: the bot token was refused",
      bot: "picobot",
    });
  });

  test("after a drop the redial waits the backoff first, then resumes", async () => {
    const { fake, discord } = setup(TOKEN, { backoff: { initialMs: 1500, jitter: 0 } });
    await eventually(fake.connected, 5000, "identified");
    const droppedAt = Date.now();
    fake.drop();
    await eventually(() => discord.status().state === "retrying", 5000, "retrying");
    await eventually(() => fake.frames.some((f) => f.op === 6), 5000, "a RESUME");
    expect(fake.frames.find((f) => f.op === 6)!.at - droppedAt).toBeGreaterThanOrEqual(1500);
    await eventually(() => discord.status().state === "running", 5000, "running");
  });

  test("a DM goes to history as channel discord in session discord:<channel_id>", async () => {
    const { fake, history } = setup(TOKEN);
    await eventually(fake.connected, 5000, "identified");
    fake.sendMessage({ channel_id: "77", author: { id: "5", username: "ann" }, content: "remember me" });
    await eventually(() => fake.messages.length === 1, 5000, "the reply");
    const rows = (await history.messages("discord:77")) ?? [];
    expect(rows.map((r) => [r.role, r.channel, r.content])).toEqual([
      ["user", "discord", "remember me"],
      ["assistant", "discord", "remember me"],
    ]);
  });

  test("saving enabled=false disconnects, enabled=true connects again (live, no restart)", async () => {
    const { fake, store, discord } = setup(TOKEN);
    await eventually(fake.connected, 5000, "identified");
    await store.update([{ key: "channels.discord.enabled", value: false }]);
    await eventually(() => !fake.connected() && discord.status().state === "disabled", 5000, "disconnected");
    expect(discord.status().enabled).toBe(false);
    await store.update([{ key: "channels.discord.enabled", value: true }]);
    await eventually(() => fake.connected() && discord.status().state === "running", 5000, "connected again");
  });
});

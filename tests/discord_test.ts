import { afterEach, describe, expect, test } from "bun:test";
import { type GatewayProcess, startGatewayProcess } from "./helpers/binary.ts";
import { BOT, type FakeDiscord, startFakeDiscord } from "./helpers/fake_discord.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { chat, openPico } from "./helpers/gateway.ts";
import { eventually } from "./helpers/remote_pico.ts";

const TOKEN = "discord-bot-token-0123456789.abcdef";
const PICO_TOKEN = "discord-test-pico-token-0123456789";
const ANN = { id: "111111111111111111", username: "ann" };
const BEN = { id: "222222222222222222", username: "ben" };
const DM = "300000000000000001";
const GUILD_CHANNEL = "300000000000000002";
const GUILD = "400000000000000001";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake Discord and a gateway process whose Discord channel talks to it. */
async function start(options: { token?: string; allowFrom?: string; env?: Record<string, string> } = {}) {
  const fake = startFakeDiscord(TOKEN, { heartbeatMs: 500 });
  cleanups.push(() => fake.stop());
  const gateway = await startGatewayProcess({
    PICOCLAW_CHANNELS_PICO_TOKEN: PICO_TOKEN,
    PICOCLAW_CHANNELS_DISCORD_ENABLED: "true",
    PICOCLAW_CHANNELS_DISCORD_TOKEN: options.token ?? TOKEN,
    PICOCLAW_CHANNELS_DISCORD_API_BASE: fake.apiBase,
    PICOCLAW_CHANNELS_DISCORD_ALLOW_FROM: options.allowFrom ?? `${ANN.id}`,
    ...options.env,
  });
  cleanups.push(() => gateway.stop());
  return { fake, gateway };
}

async function status(gateway: GatewayProcess): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/api/status`, {
    headers: { authorization: `Bearer ${PICO_TOKEN}` },
  });
  return (await res.json()).discord;
}

/** Polls an async check until it holds; fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Messages the bot posted in `channel`, in order. */
function posted(fake: FakeDiscord, channel: string) {
  return fake.messages.filter((m) => m.channel_id === channel);
}

const dm = (content: string, author = ANN) => ({ channel_id: DM, author, content });

describe("Discord channel (compiled binary against a fake Discord)", () => {
  test("identifies with the three intents, reports the bot, answers a DM in its channel", async () => {
    const { fake, gateway } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    const identify = fake.frames.find((f) => f.op === 2)?.d as { token: string; intents: number };
    expect(identify.token).toBe(TOKEN);
    expect(identify.intents).toBe((1 << 9) | (1 << 12) | (1 << 15));
    expect(fake.calls.find((c) => c.path === "/gateway/bot")?.authorization).toBe(`Bot ${TOKEN}`);
    await until(async () => (await status(gateway)).state === "running", "state running");
    expect(await status(gateway)).toEqual({ enabled: true, state: "running", last_error: null, bot: BOT.username });

    fake.sendMessage(dm("hello bot"));
    await eventually(() => posted(fake, DM).length === 1, 5000, "the reply");
    expect(posted(fake, DM)[0].content).toBe("hello bot");
    expect(fake.calls.some((c) => c.path === `/channels/${DM}/typing`)).toBe(true);
    // The bot's own message and another bot's are not answered; the next DM is.
    fake.sendMessage(dm("my own words", { id: BOT.id, username: BOT.username }));
    fake.sendMessage(dm("beep", { id: "5", username: "otherbot", bot: true } as typeof ANN));
    fake.sendMessage(dm("second"));
    await eventually(() => posted(fake, DM).length === 2, 5000, "the second reply");
    expect(posted(fake, DM).map((m) => m.content)).toEqual(["hello bot", "second"]);
    expect(gateway.child.stderr()).not.toContain(TOKEN);
  });
});

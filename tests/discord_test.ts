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
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
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
    const { fake, gateway } = await start({ allowFrom: `${ANN.id},${BEN.id}` });
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
    // Replies never ping anyone.
    const post = fake.calls.find((c) => c.method === "POST" && c.path === `/channels/${DM}/messages`);
    expect(post?.body?.allowed_mentions).toEqual({ parse: [] });
    // Heartbeats go out at the interval HELLO asked for, and are acknowledged.
    await eventually(() => fake.frames.filter((f) => f.op === 1).length >= 2, 5000, "heartbeats");
    // The bot's own message and another bot's are not answered; the next DM is.
    fake.sendMessage(dm("my own words", { id: BOT.id, username: BOT.username }));
    fake.sendMessage({ ...dm("beep"), author: { ...BEN, bot: true } });
    fake.sendMessage(dm("second"));
    await eventually(() => posted(fake, DM).length === 2, 5000, "the second reply");
    expect(posted(fake, DM).map((m) => m.content)).toEqual(["hello bot", "second"]);
    expect(gateway.child.stderr()).not.toContain(TOKEN);
  });
});

describe("Discord: who is answered", () => {
  test("a guild message that mentions the bot is answered without the mention; one without is not", async () => {
    const { fake } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    const inGuild = { channel_id: GUILD_CHANNEL, guild_id: GUILD, author: ANN };
    fake.sendMessage({ ...inGuild, content: "talking among ourselves" });
    fake.sendMessage({ ...inGuild, content: `<@${BOT.id}> what is up?`, mentions: [BOT] });
    await eventually(() => posted(fake, GUILD_CHANNEL).length >= 1, 5000, "the reply to the mention");
    // Messages are handled in order: once the mention's reply is there, the first was skipped.
    expect(posted(fake, GUILD_CHANNEL).map((m) => m.content)).toEqual(["what is up?"]);
  });

  test("allow_from empty: one answer naming the sender's id and the key, then silence", async () => {
    const { fake, gateway } = await start({ allowFrom: "" });
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.sendMessage(dm("let me in"));
    await eventually(() => posted(fake, DM).length === 1, 5000, "the refusal");
    expect(posted(fake, DM)[0].content).toContain(ANN.id);
    expect(posted(fake, DM)[0].content).toContain("channels.discord.allow_from");
    fake.sendMessage(dm("please"));
    fake.sendMessage(dm("me too", BEN));
    // Handled in order: once Ben has his answer, Ann's second message was handled (and not answered).
    await eventually(() => posted(fake, DM).length === 2, 5000, "ben's refusal");
    expect(posted(fake, DM).map((m) => m.content.includes(BEN.id))).toEqual([false, true]);
    expect(gateway.child.stderr()).toContain("discord message refused");
  });

  test("allow_from listed: answered; not listed: ignored", async () => {
    const { fake } = await start({ allowFrom: ANN.id });
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.sendMessage(dm("from ben", BEN));
    fake.sendMessage(dm("from ann"));
    await eventually(() => posted(fake, DM).length >= 1, 5000, "ann's reply");
    expect(posted(fake, DM).map((m) => m.content)).toEqual(["from ann"]);
  });
});

describe("Discord: replies", () => {
  test("a streamed reply is posted once and edited at most once a second, ending with the full text", async () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    const llm = startFakeOpenAI("sk-discord-test-0123456789", { reply: words, chunkSize: 3, delayMs: 60 });
    cleanups.push(() => llm.stop());
    const { fake } = await start({
      env: {
        PICOCLAW_AGENT_PROVIDER: "openai",
        PICOCLAW_AGENT_BASE_URL: llm.baseUrl,
        PICOCLAW_AGENT_API_KEY: "sk-discord-test-0123456789",
        PICOCLAW_AGENT_MODEL: "fake-model",
        PICOCLAW_AGENT_STREAM: "true",
      },
    });
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.sendMessage(dm("stream please"));
    await eventually(() => posted(fake, DM)[0]?.content === words, 15_000, "the full reply");
    const calls = fake.calls.filter((c) => c.path.startsWith(`/channels/${DM}/messages`));
    expect(calls.filter((c) => c.method === "POST").length).toBe(1);
    const edits = calls.filter((c) => c.method === "PATCH");
    // ~2.4 s of streaming at one edit a second: a few edits, never one per piece.
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.length).toBeLessThan(6);
    for (let i = 1; i < calls.length - 1; i++) expect(calls[i].at - calls[i - 1].at).toBeGreaterThanOrEqual(950);
  });

  test("a 3000-character reply is split into two messages of at most 2000", async () => {
    const { fake } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    const long = "abcd ".repeat(600).trim();
    fake.sendMessage(dm(long));
    await eventually(() => posted(fake, DM).length === 2, 5000, "two messages");
    const [first, second] = posted(fake, DM).map((m) => m.content);
    expect(first.length).toBeLessThanOrEqual(2000);
    expect(second.length).toBeLessThanOrEqual(2000);
    expect(`${first} ${second}`).toBe(long);
  });
});

describe("Discord: faults", () => {
  test("a wrong token is auth_failed in /api/status while /pico keeps working", async () => {
    const { fake, gateway } = await start({ token: "wrong-token-0123456789" });
    await until(async () => (await status(gateway)).state === "auth_failed", "auth_failed");
    const report = await status(gateway);
    expect(report.last_error).toContain("401");
    expect(JSON.stringify(report)).not.toContain("wrong-token-0123456789");
    expect(fake.connected()).toBe(false);
    const pico = await openPico(`ws://127.0.0.1:${gateway.port}/pico`, {
      headers: { authorization: `Bearer ${PICO_TOKEN}` },
    });
    cleanups.push(() => pico.close());
    const frames = await chat(pico, "still here?");
    expect(frames.some((f) => f.payload?.content === "still here?")).toBe(true);
    expect(gateway.child.stderr()).not.toContain("wrong-token-0123456789");
  });

  test("a 429 is waited out for its retry_after, then the message is posted", async () => {
    const { fake } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.behaviour.rateLimit = { count: 1, retryAfterS: 1 };
    fake.sendMessage(dm("rate me"));
    await eventually(() => posted(fake, DM).length === 1, 10_000, "the reply after the wait");
    const posts = fake.calls.filter((c) => c.method === "POST" && c.path === `/channels/${DM}/messages`);
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(1000);
  });

  test("a 429 asking for an hour is not waited for: the call fails and the channel goes on", async () => {
    const { fake, gateway } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.behaviour.rateLimit = { count: 1, retryAfterS: 3600 };
    fake.sendMessage(dm("first"));
    await gateway.child.waitFor(/discord call failed/);
    fake.sendMessage(dm("second"));
    await eventually(() => posted(fake, DM).some((m) => m.content === "second"), 10_000, "the next reply");
  });

  test("a dropped Gateway resumes: RESUME with the session id and sequence, no new IDENTIFY", async () => {
    const { fake, gateway } = await start();
    await eventually(fake.connected, 10_000, "the bot to identify");
    fake.sendMessage(dm("before"));
    await eventually(() => posted(fake, DM).length === 1, 5000, "the first reply");
    fake.drop();
    await eventually(() => fake.frames.some((f) => f.op === 6), 10_000, "a RESUME");
    const resume = fake.frames.find((f) => f.op === 6)?.d as { token: string; session_id: string; seq: number };
    const ready = fake.frames.filter((f) => f.op === 2);
    expect(ready.length).toBe(1);
    expect(resume.token).toBe(TOKEN);
    expect(resume.session_id).toMatch(/^session-/);
    expect(resume.seq).toBe(2);
    await eventually(fake.connected, 5000, "the resumed connection");
    await until(async () => (await status(gateway)).state === "running", "running again");
    fake.sendMessage(dm("after"));
    await eventually(() => posted(fake, DM).length === 2, 5000, "the reply after the resume");
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { type Agent, createEchoAgent } from "../agent/mod.ts";
import { Conversation, MAX_QUEUED_PER_SESSION } from "../conversation/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { type FakeDiscordBehaviour, startFakeDiscord } from "../../tests/helpers/fake_discord.ts";
import { eventually } from "../../tests/helpers/remote_pico.ts";
import { makeStore } from "../../tests/helpers/store.ts";
import { makeTempHome } from "../../tests/helpers/temp_home.ts";
import { DiscordChannel, type DiscordChannelOptions } from "./channel.ts";

const TOKEN = "in-process-discord-token-0123456789";
const quiet = createLogger({ stderr: false });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A DiscordChannel (real @discordjs/ws and @discordjs/rest) against a fake Discord. */
function setup(token: string, options: Partial<DiscordChannelOptions> = {}, behaviour: FakeDiscordBehaviour = {}) {
  const fake = startFakeDiscord(TOKEN, behaviour);
  cleanups.push(() => fake.stop());
  const home = makeTempHome();
  cleanups.push(() => home.remove());
  const store = makeStore({
    channels: { discord: { enabled: true, token, api_base: fake.apiBase, allow_from: ["5"] } },
  }, home.path);
  const log = createLogger({ stderr: false });
  const history = new MemoryHistoryStore();
  const conversation = new Conversation({ agent: options.conversation?.agent ?? createEchoAgent(), history, log });
  const discord = new DiscordChannel({ store, log, ...options, conversation });
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

  test("a Discord outage (503 on /gateway/bot) is retrying, redialled 1 s doubling (here 100 ms), then running", async () => {
    const { fake, discord } = setup(TOKEN, { backoff: { initialMs: 100, jitter: 0 } }, { gatewayBotStatus: 503 });
    await eventually(() => fake.calls.filter((c) => c.path === "/gateway/bot").length >= 8, 10_000, "redials");
    expect(discord.status().state).toBe("retrying");
    expect(discord.status().last_error).toContain("Cannot connect to Discord");
    // The library retries a 5xx once at once: each try is two calls, tries 100, 200, 400 ms apart.
    const tries = fake.calls.filter((c) => c.path === "/gateway/bot").filter((_, i) => i % 2 === 0);
    const gaps = tries.slice(1).map((t, i) => t.at - tries[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    fake.behaviour.gatewayBotStatus = undefined;
    await eventually(() => discord.status().state === "running", 10_000, "running");
  });

  test("a flood in one channel: 64 wait for the agent, the rest get one answer saying so", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Agent = {
      provider: "slow",
      model: "",
      async *reply(request) {
        await gate;
        yield { text: request.content };
      },
    };
    const conversation = new Conversation({ agent: slow, history: new MemoryHistoryStore(), log: quiet });
    const { fake } = setup(TOKEN, { conversation });
    await eventually(fake.connected, 5000, "identified");
    for (let i = 0; i < 70; i++) {
      fake.sendMessage({ channel_id: "88", author: { id: "5", username: "ann" }, content: `m${i}` });
    }
    await eventually(() => fake.messages.length === 1, 5000, "the busy answer");
    expect(fake.messages[0].content).toContain("Too many messages");
    release();
    await eventually(() => fake.messages.length === 1 + MAX_QUEUED_PER_SESSION, 10_000, "the 64 replies");
    expect(fake.messages.slice(1).map((m) => m.content)).toEqual(
      Array.from({ length: MAX_QUEUED_PER_SESSION }, (_, i) => `m${i}`),
    );
  });

  test("strangers flooding while allow_from is empty: one answer each, refusals logged at most once a second", async () => {
    const lines: string[] = [];
    const { fake, store } = setup(TOKEN, { log: createLogger({ stderr: (line) => lines.push(line) }) });
    await store.update([{ key: "channels.discord.allow_from", value: [] }]);
    await eventually(fake.connected, 5000, "identified");
    for (let i = 0; i < 100; i++) {
      fake.sendMessage({ channel_id: "99", author: { id: String(1000 + (i % 2)), username: "x" }, content: `hi ${i}` });
    }
    await eventually(() => fake.messages.length === 2, 5000, "two answers");
    fake.sendMessage({ channel_id: "99", author: { id: "5000", username: "last" }, content: "last" });
    await eventually(() => fake.messages.length === 3, 5000, "the last stranger's answer");
    expect(fake.messages.map((m) => m.content.match(/user id is (\d+)/)?.[1])).toEqual(["1000", "1001", "5000"]);
    expect(lines.filter((l) => l.includes("discord message refused")).length).toBeLessThanOrEqual(3);
  });

  test("a token revoked while connected (401 on a send) is auth_failed, then retried until accepted", async () => {
    const { fake, discord } = setup(TOKEN, { authRetryMs: 200 });
    await eventually(fake.connected, 5000, "identified");
    fake.setToken("the-new-token-0123456789");
    fake.sendMessage({ channel_id: "66", author: { id: "5", username: "ann" }, content: "hi" });
    await eventually(() => discord.status().state === "auth_failed", 5000, "auth_failed");
    await eventually(
      () => fake.calls.filter((c) => c.path === "/gateway/bot" && c.status === 401).length >= 2,
      5000,
      "retries",
    );
    fake.setToken(TOKEN);
    await eventually(() => discord.status().state === "running", 5000, "running again");
  });

  test("endless 429s with retry_after 0: each call gives up at its deadline, so the 429s stop", async () => {
    const { fake } = setup(TOKEN, { rest: { callDeadlineMs: 300 } }, { rateLimit: { count: 100_000, retryAfterS: 0 } });
    await eventually(fake.connected, 5000, "identified");
    fake.sendMessage({ channel_id: "55", author: { id: "5", username: "ann" }, content: "hi" });
    const limited = () => fake.calls.filter((c) => c.status === 429).length;
    await eventually(() => limited() > 0, 5000, "the first 429");
    // The reply makes two calls (send, then the final send again): both end by their deadlines.
    let last = -1;
    const deadline = Date.now() + 8000;
    while (limited() !== last) {
      if (Date.now() > deadline) throw new Error(`Still retrying: ${limited()} 429s`);
      last = limited();
      await Bun.sleep(700);
    }
    expect(fake.messages.length).toBe(0);
  });
});

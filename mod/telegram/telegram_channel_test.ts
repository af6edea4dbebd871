import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api } from "grammy";
import type { Agent } from "../agent/mod.ts";
import { ConfigSchema } from "../config/mod.ts";
import { Conversation, MAX_QUEUED_PER_SESSION } from "../conversation/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { type FakeTelegram, startFakeTelegram } from "../../tests/helpers/fake_telegram.ts";
import { classifyApiError } from "./api_errors.ts";
import { readOffset, writeOffset } from "./offset_file.ts";
import { MAX_INCOMING_CHARS, TelegramChannel, type TelegramSettings } from "./telegram_channel.ts";

const TOKEN = "123456:AAEfakeTelegramTokenForTests_0123456789";
const ALICE = { id: 42, username: "alice" };

let fake: FakeTelegram | undefined;
let channel: TelegramChannel | undefined;
let dir: string | undefined;

afterEach(async () => {
  await channel?.stop();
  channel = undefined;
  fake?.stop();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function settingsFor(api_base: string, extra: Record<string, unknown> = {}): TelegramSettings {
  return ConfigSchema.parse({
    channels: { telegram: { enabled: true, token: TOKEN, allow_from: ["@alice"], api_base, ...extra } },
  }).channels.telegram;
}

const echo: Agent = { provider: "echo", model: "", reply: (r) => [{ text: `echo: ${r.content}` }] };

function startChannel(
  settings: TelegramSettings,
  extra: Partial<ConstructorParameters<typeof TelegramChannel>[0]> = {},
  agent: Agent = echo,
) {
  const logs: string[] = [];
  const log = createLogger({ stderr: (line) => logs.push(line), level: "debug" });
  const history = new MemoryHistoryStore();
  channel = new TelegramChannel({
    settings: () => settings,
    conversation: new Conversation({ agent, history, log }),
    log,
    pollTimeoutS: 1,
    ...extra,
  });
  channel.start();
  return { logs, history };
}

describe("fake Telegram Bot API", () => {
  test("grammy's Api talks to it without errors (getMe, getUpdates, send, edit, typing, deleteWebhook)", async () => {
    fake = startFakeTelegram(TOKEN);
    const api = new Api(TOKEN, { apiRoot: fake.url, fetch: globalThis.fetch as never });
    expect((await api.getMe()).username).toBe("picoclaw_test_bot");
    expect(await api.deleteWebhook()).toBe(true);
    const id = fake.pushText(ALICE, "hi");
    const updates = await api.getUpdates({ timeout: 1 });
    expect(updates.map((u) => [u.update_id, u.message?.text])).toEqual([[id, "hi"]]);
    // An offset confirms (and forgets) the updates below it.
    expect(await api.getUpdates({ offset: id + 1, timeout: 0 })).toEqual([]);
    expect(fake.pendingCount()).toBe(0);
    const sent = await api.sendMessage(42, "one");
    await api.editMessageText(42, sent.message_id, "two");
    expect(await api.sendChatAction(42, "typing")).toBe(true);
    expect(fake.messagesTo(42)[0].versions).toEqual(["one", "two"]);
    const wrong = await new Api("1:wrong", { apiRoot: fake.url, fetch: globalThis.fetch as never }).getMe().catch((e) =>
      e
    );
    expect(classifyApiError(wrong, "1:wrong").kind).toBe("auth");
    fake.failNext("sendMessage", { status: 429, retryAfter: 3 });
    const limited = await api.sendMessage(42, "x").catch((e) => e);
    expect(classifyApiError(limited, TOKEN)).toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
  });
});

describe("TelegramChannel", () => {
  test("answers an allowed sender's text in its chat and stores it under telegram:<chat_id>", async () => {
    fake = startFakeTelegram(TOKEN);
    const { history } = startChannel(settingsFor(fake.url));
    fake.pushText(ALICE, "hello", 777);
    await fake.waitFor(() => fake!.messagesTo(777).length === 1, "the reply");
    expect(fake.messagesTo(777)[0].text).toBe("echo: hello");
    expect(fake.callsOf("sendChatAction")[0].params).toMatchObject({ chat_id: 777, action: "typing" });
    expect(channel!.status()).toEqual({ enabled: true, state: "running", last_error: null, bot: "picoclaw_test_bot" });
    const rows = (await history.messages("telegram:777", { limit: 10 })) ?? [];
    expect(rows.map((r) => [r.role, r.channel])).toEqual([["user", "telegram"], ["assistant", "telegram"]]);
  });

  test("ignores non-text messages and updates that are not messages (logged at debug)", async () => {
    fake = startFakeTelegram(TOKEN);
    const { logs } = startChannel(settingsFor(fake.url));
    fake.pushUpdate({
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 42, type: "private" },
        from: { id: 42, is_bot: false, first_name: "A", username: "alice" },
        sticker: {},
      },
    });
    fake.pushUpdate({ edited_message: { message_id: 1, date: 0, chat: { id: 42, type: "private" }, text: "x" } });
    fake.pushText(ALICE, "after");
    await fake.waitFor(() => fake!.messages.length === 1, "the reply to the text");
    expect(fake.messages.map((m) => m.text)).toEqual(["echo: after"]);
    expect(logs.some((l) => l.includes("telegram message ignored: not text"))).toBe(true);
    expect(logs.some((l) => l.includes("telegram update ignored: not a message"))).toBe(true);
  });

  test("stores the last handled update id in a 0600 file, per bot", async () => {
    fake = startFakeTelegram(TOKEN);
    dir = mkdtempSync(join(tmpdir(), "picoclaw-tg-"));
    const offsetFile = join(dir, "telegram-offset.json");
    startChannel(settingsFor(fake.url), { offsetFile });
    const id = fake.pushText(ALICE, "one");
    await fake.waitFor(() => fake!.messages.length === 1, "the reply");
    expect(await readOffset(offsetFile, 123456)).toBe(id);
    expect(statSync(offsetFile).mode & 0o777).toBe(0o600);
    expect(await readOffset(offsetFile, 999)).toBeUndefined();
    expect(JSON.parse(readFileSync(offsetFile, "utf8"))).toEqual({ bot_id: 123456, update_id: id });
  });

  test("starts after the stored update id, so an update handled before a crash is not handled again", async () => {
    fake = startFakeTelegram(TOKEN);
    dir = mkdtempSync(join(tmpdir(), "picoclaw-tg-"));
    const offsetFile = join(dir, "telegram-offset.json");
    // As after a kill -9: the first update was handled (its id stored) but never confirmed to Telegram.
    const handled = fake.pushText(ALICE, "handled before the crash");
    fake.pushText(ALICE, "new");
    await writeOffset(offsetFile, 123456, handled);
    startChannel(settingsFor(fake.url), { offsetFile });
    await fake.waitFor(() => fake!.messages.length === 1, "the reply");
    expect(fake.messages.map((m) => m.text)).toEqual(["echo: new"]);
    expect(fake.callsOf("getUpdates")[0].params.offset).toBe(handled + 1);
  });

  test("a 401 sets auth_failed with a message naming the key (never the token), retried after authRetryMs", async () => {
    fake = startFakeTelegram(TOKEN);
    const settings = settingsFor(fake.url, { token: "123456:AAwrongTokenWrongTokenWrongToken" });
    startChannel(settings, { authRetryMs: 200 });
    await fake.waitFor(() => channel!.status().state === "auth_failed", "auth_failed");
    const status = channel!.status();
    expect(status.last_error).toContain("401");
    expect(status.last_error).toContain("channels.telegram.token");
    expect(JSON.stringify(status)).not.toContain("AAwrongToken");
    // Tried again after the auth wait, not in a tight loop.
    await fake.waitFor(() => fake!.calls.filter((c) => c.status === 401).length >= 2, "a second try");
    const [first, second] = fake.calls.filter((c) => c.status === 401);
    expect(second.at - first.at).toBeGreaterThanOrEqual(200);
  });

  test("a 429 on getUpdates waits retry_after before the next poll", async () => {
    fake = startFakeTelegram(TOKEN);
    fake.failNext("getUpdates", { status: 429, retryAfter: 1 });
    startChannel(settingsFor(fake.url));
    await fake.waitFor(() => fake!.callsOf("getUpdates").length >= 2, "a second poll");
    const [limited, next] = fake.callsOf("getUpdates");
    expect(limited.status).toBe(429);
    expect(next.at - limited.at).toBeGreaterThanOrEqual(1000);
  });

  test("a network failure is state retrying with a backoff, and polling recovers", async () => {
    fake = startFakeTelegram(TOKEN);
    fake.failNext("getUpdates", { status: 502, times: 2 });
    startChannel(settingsFor(fake.url), { backoff: { initialMs: 50, maxMs: 100, jitter: 0 } });
    await fake.waitFor(() => channel!.status().state === "retrying", "retrying");
    expect(channel!.status().last_error).toContain("502");
    fake.pushText(ALICE, "back");
    await fake.waitFor(() => fake!.messages.length === 1, "the reply after recovery");
    expect(channel!.status().state).toBe("running");
  });

  test("takes at most 16 KiB of text from one message", async () => {
    fake = startFakeTelegram(TOKEN);
    const { history } = startChannel(settingsFor(fake.url));
    fake.pushText(ALICE, "z".repeat(MAX_INCOMING_CHARS + 5000));
    await fake.waitFor(() => fake!.messages.map((m) => m.text).join("").length >= MAX_INCOMING_CHARS + 6, "the reply");
    const rows = (await history.messages("telegram:42", { limit: 10 })) ?? [];
    expect(rows[0].content.length).toBe(MAX_INCOMING_CHARS);
  });

  test("past 64 waiting messages in a chat, the chat is told once and the rest dropped", async () => {
    fake = startFakeTelegram(TOKEN);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Agent = {
      provider: "slow",
      model: "",
      async *reply(r) {
        await gate;
        yield { text: `done ${r.content}` };
      },
    };
    startChannel(settingsFor(fake.url), {}, slow);
    for (let i = 0; i < MAX_QUEUED_PER_SESSION + 5; i++) fake.pushText(ALICE, `m${i}`);
    await fake.waitFor(() => fake!.messages.length === 1, "the busy answer");
    await fake.waitFor(() => fake!.pendingCount() === 0 || fake!.callsOf("getUpdates").length > 2, "the batch handled");
    expect(fake.messages[0].text).toContain("Too many messages");
    release();
    await fake.waitFor(() => fake!.messages.length === 1 + MAX_QUEUED_PER_SESSION, "the queued replies", 15_000);
    expect(fake.messages.filter((m) => m.text.includes("Too many messages"))).toHaveLength(1);
  });

  test("stop() confirms the handled updates to Telegram (offset = last + 1) when no poll has yet", async () => {
    fake = startFakeTelegram(TOKEN);
    startChannel(settingsFor(fake.url));
    await fake.waitFor(() => fake!.waitingCount() === 1, "a long poll");
    // The next long poll (which would confirm "one") is held before Telegram's logic sees it.
    fake.freeze();
    fake.pushText(ALICE, "one");
    await fake.waitFor(() => fake!.messages.length === 1, "the reply");
    await fake.waitFor(() => fake!.heldCount() === 1 && fake!.pendingCount() === 1, "a held poll, one pending");
    await channel!.stop();
    channel = undefined;
    expect(fake.pendingCount()).toBe(0);
  });
});

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { childEnv, type RunningBinary } from "./helpers/binary.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";
import { type FakeTelegram, startFakeTelegram } from "./helpers/fake_telegram.ts";
import { chat, openPico } from "./helpers/gateway.ts";
import { perTest } from "./helpers/per_test.ts";
import type { TempHome } from "./helpers/temp_home.ts";

setDefaultTimeout(30_000);

/**
 * The Telegram channel of the compiled binary (SPEC §8) against a fake Bot API on 127.0.0.1:
 * replies, streaming edits, splitting, allow_from, offsets across restarts, 401 and 429.
 */

const TOKEN = "123456:AAEprocessTestTelegramToken_0123456789";
const PICO_TOKEN = "telegram-test-pico-token-0123456789";
const ALICE = { id: 42, username: "alice" };
const BOB = { id: 43, username: "bob" };
const CAROL = { id: 44 };

// Registered before the afterEach below, so the gateway stops before its fake Telegram does.
const each = perTest();

let telegram: FakeTelegram | undefined;
const cleanups: (() => void)[] = [];

afterEach(() => {
  telegram?.stop();
  telegram = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Env that enables Telegram against the fake (and the Pico channel, for /api/status). */
function telegramEnv(fake: FakeTelegram, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PICOCLAW_GATEWAY_PORT: "0",
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: PICO_TOKEN,
    PICOCLAW_CHANNELS_TELEGRAM_ENABLED: "true",
    PICOCLAW_CHANNELS_TELEGRAM_TOKEN: TOKEN,
    PICOCLAW_CHANNELS_TELEGRAM_API_BASE: fake.url,
    PICOCLAW_CHANNELS_TELEGRAM_ALLOW_FROM: "@alice,43",
    ...extra,
  };
}

/** Starts `picoclaw gateway` in `home` (a new one when not given); returns the child and the gateway port. */
async function startGateway(
  env: Record<string, string>,
  home: TempHome = each.home(),
): Promise<{ child: RunningBinary; port: number }> {
  const child = each.start(["gateway"], childEnv(home.path, env));
  return { child, port: await child.gatewayPort() };
}

async function telegramStatus(port: number): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`, {
    headers: { authorization: `Bearer ${PICO_TOKEN}` },
  });
  return (await res.json()).telegram;
}

describe("picoclaw gateway with channels.telegram", () => {
  test("answers each chat in that chat, and /api/status shows running with the bot's name", async () => {
    telegram = startFakeTelegram(TOKEN);
    const { child, port } = await startGateway(telegramEnv(telegram));
    telegram.pushText(ALICE, "hello from alice", 1001);
    telegram.pushText(BOB, "hello from bob", 1002);
    await telegram.waitFor(() => telegram!.messages.length === 2, "two replies");
    expect(telegram.messagesTo(1001).map((m) => m.text)).toEqual(["hello from alice"]);
    expect(telegram.messagesTo(1002).map((m) => m.text)).toEqual(["hello from bob"]);
    expect(telegram.callsOf("sendChatAction").map((c) => c.params.chat_id).sort()).toEqual([1001, 1002]);
    // The production long poll: timeout 30 s.
    expect(telegram.callsOf("getUpdates")[0].params.timeout).toBe(30);
    expect(await telegramStatus(port)).toEqual({
      enabled: true,
      state: "running",
      last_error: null,
      bot: "picoclaw_test_bot",
    });
    expect(child.stderr()).not.toContain(TOKEN.split(":")[1]);
  });

  test("a streamed reply is sent once and edited at most once a second, ending with the full text", async () => {
    const reply = "streamed ".repeat(40).trim();
    const openai = startFakeOpenAI("sk-telegram-test-key-000000", { reply, chunkSize: 9, delayMs: 60 });
    cleanups.push(() => openai.stop());
    telegram = startFakeTelegram(TOKEN);
    await startGateway(telegramEnv(telegram, {
      PICOCLAW_AGENT_PROVIDER: "openai",
      PICOCLAW_AGENT_BASE_URL: openai.baseUrl,
      PICOCLAW_AGENT_API_KEY: "sk-telegram-test-key-000000",
      PICOCLAW_AGENT_MODEL: "fake-model",
      PICOCLAW_AGENT_STREAM: "true",
    }));
    telegram.pushText(ALICE, "stream please");
    await telegram.waitFor(() => telegram!.messagesTo(42)[0]?.text === reply, "the full reply", 15_000);
    const sends = telegram.callsOf("sendMessage");
    const edits = telegram.callsOf("editMessageText").filter((c) => c.status === 200);
    expect(sends.length).toBe(1);
    // 40 pieces over ~2.4 s: a few edits, never one per piece.
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.length).toBeLessThan(8);
    const shown = [sends[0], ...edits];
    // Between streaming updates at least a second passes (the last edit, the final text, may come sooner).
    for (let i = 1; i < shown.length - 1; i++) expect(shown[i].at - shown[i - 1].at).toBeGreaterThanOrEqual(990);
    expect(telegram.messagesTo(42)).toHaveLength(1);
  });

  test("a 5000-character reply arrives as two messages of at most 4096 characters", async () => {
    telegram = startFakeTelegram(TOKEN);
    await startGateway(telegramEnv(telegram));
    const text = "word ".repeat(1000).trim();
    telegram.pushText(ALICE, text);
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 2, "two messages");
    const pieces = telegram.messagesTo(42).map((m) => m.text);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);
    expect(pieces.join(" ")).toBe(text);
  });

  test("with allow_from empty a sender gets one answer with their id and the key; nobody reaches the agent", async () => {
    telegram = startFakeTelegram(TOKEN);
    const { child } = await startGateway(telegramEnv(telegram, { PICOCLAW_CHANNELS_TELEGRAM_ALLOW_FROM: "" }));
    telegram.pushText(ALICE, "first");
    telegram.pushText(ALICE, "second");
    telegram.pushText(CAROL, "carol");
    await telegram.waitFor(() => telegram!.messagesTo(CAROL.id).length === 1, "carol's answer");
    const answer = telegram.messagesTo(ALICE.id);
    expect(answer).toHaveLength(1);
    expect(answer[0].text).toContain("42");
    expect(answer[0].text).toContain("channels.telegram.allow_from");
    expect(telegram.messagesTo(CAROL.id)[0].text).toContain("44");
    await child.waitFor(/telegram message refused: allow_from is empty/);
  });

  test("a listed sender (by @username or id) is answered; one not listed is ignored", async () => {
    telegram = startFakeTelegram(TOKEN);
    await startGateway(telegramEnv(telegram));
    telegram.pushText(CAROL, "not listed");
    telegram.pushText(BOB, "listed by id");
    telegram.pushText(ALICE, "listed by name");
    await telegram.waitFor(() => telegram!.messagesTo(ALICE.id).length === 1, "alice's reply");
    await telegram.waitFor(() => telegram!.messagesTo(BOB.id).length === 1, "bob's reply");
    expect(telegram.messagesTo(CAROL.id)).toEqual([]);
    expect(telegram.callsOf("sendChatAction").map((c) => c.params.chat_id)).not.toContain(CAROL.id);
  });

  test("no update is answered twice across a restart, also after kill -9 before the next poll", async () => {
    telegram = startFakeTelegram(TOKEN);
    const home = each.home();
    let { child } = await startGateway(telegramEnv(telegram), home);
    telegram.pushText(ALICE, "one");
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 1, "the first reply");
    expect(await child.stop("SIGTERM")).toBe(0);

    ({ child } = await startGateway(telegramEnv(telegram), home));
    telegram.pushText(ALICE, "two");
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 2, "the second reply");
    await telegram.waitFor(() => telegram!.waitingCount() === 1, "the next long poll");
    // The poll after "three" never reaches Telegram, so Telegram has not been told it was handled.
    telegram.freeze();
    telegram.pushText(ALICE, "three");
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 3, "the third reply");
    expect(await child.stop("SIGKILL")).not.toBe(0);
    telegram.thaw();

    await startGateway(telegramEnv(telegram), home);
    telegram.pushText(ALICE, "four");
    await telegram.waitFor(() => telegram!.messagesTo(42).length >= 4, "the fourth reply");
    expect(telegram.messagesTo(42).map((m) => m.text)).toEqual(["one", "two", "three", "four"]);
  });

  test("a wrong token is state auth_failed in /api/status (no token shown) while /pico keeps working", async () => {
    telegram = startFakeTelegram(TOKEN);
    const wrong = "123456:AAwrongTokenWrongTokenWrongToken00";
    const { child, port } = await startGateway(telegramEnv(telegram, { PICOCLAW_CHANNELS_TELEGRAM_TOKEN: wrong }));
    await telegram.waitFor(() => telegram!.calls.some((c) => c.status === 401), "a refused call");
    let status = await telegramStatus(port);
    for (const deadline = Date.now() + 5000; status.state !== "auth_failed" && Date.now() < deadline;) {
      await Bun.sleep(20);
      status = await telegramStatus(port);
    }
    expect(status.state).toBe("auth_failed");
    expect(String(status.last_error)).toContain("401");
    expect(JSON.stringify(status)).not.toContain("AAwrongToken");
    expect(child.stderr()).not.toContain("AAwrongToken");
    const pico = await openPico(`ws://127.0.0.1:${port}/pico`, { headers: { authorization: `Bearer ${PICO_TOKEN}` } });
    const frames = await chat(pico, "still here");
    expect(frames.some((f) => f.type === "message.create" && f.payload?.content === "still here")).toBe(true);
    pico.close();
  });

  test("a 429 is honoured: the retried sendMessage comes retry_after seconds later and the reply arrives", async () => {
    telegram = startFakeTelegram(TOKEN);
    telegram.failNext("sendMessage", { status: 429, retryAfter: 2 });
    await startGateway(telegramEnv(telegram));
    telegram.pushText(ALICE, "rate limited");
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 1, "the reply", 15_000);
    const [limited, retried] = telegram.callsOf("sendMessage");
    expect(limited.status).toBe(429);
    expect(retried.status).toBe(200);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(2000);
    expect(telegram.messagesTo(42)[0].text).toBe("rate limited");
  });
});

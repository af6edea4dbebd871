import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type FakeTelegram, startFakeTelegram } from "../helpers/fake_telegram.ts";
import { browserSuite, screenshot, watchConsole } from "./browser.ts";

setDefaultTimeout(30_000);

const suite = browserSuite("the browser tests");

const TOKEN = "555666:AAe2eTelegramTokenFromTheChannelsPage0";

let telegram: FakeTelegram | undefined;

afterEach(() => {
  telegram?.stop();
  telegram = undefined;
});

describe.skipIf(!suite.available)("Channels page in Chromium", () => {
  test("enables Telegram with a token and allow_from; the state becomes running with the bot's name, live", async () => {
    telegram = startFakeTelegram(TOKEN, "claw_e2e_bot");
    const app = await suite.start({ PICOCLAW_CHANNELS_TELEGRAM_API_BASE: telegram.url });
    const context = await suite.newContext({ viewport: { width: 360, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${app.base}/?token=${app.launcherToken()}`);
    await page.waitForSelector("#tab-status:not([hidden])");
    await page.click('nav a[data-tab="channels"]');
    await page.waitForFunction(() => document.getElementById("ch-telegram-state")?.textContent === "disabled");
    expect(await page.textContent("#ch-telegram-token-state")).toBe("(not set)");

    await page.check("#ch-telegram-enabled");
    await page.fill("#ch-telegram-token", TOKEN);
    await page.fill("#ch-telegram-allow", "@alice\n42");
    await page.click("#ch-telegram-save");
    await page.waitForFunction(() =>
      document.getElementById("notice")?.textContent?.includes("Telegram settings saved")
    );
    await page.waitForFunction(() => document.getElementById("ch-telegram-state")?.textContent === "running");
    await page.waitForFunction(() => document.getElementById("ch-telegram-bot")?.textContent === "@claw_e2e_bot");
    // The token field is write-only: emptied after saving, the page says only that one is set.
    expect(await page.inputValue("#ch-telegram-token")).toBe("");
    expect(await page.textContent("#ch-telegram-token-state")).toBe("(set)");
    expect(await page.content()).not.toContain(TOKEN);
    // No page scroll sideways at 360 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(page, "channels-telegram-running");

    // Applied without a restart: a listed sender is answered.
    telegram.pushText({ id: 42, username: "alice" }, "hi from telegram");
    await telegram.waitFor(() => telegram!.messagesTo(42).length === 1, "the reply");
    expect(telegram.messagesTo(42)[0].text).toBe("hi from telegram");
    expect(readFileSync(app.home.file(".security.yml"), "utf8")).toContain(TOKEN);
    expect(problems).toEqual([]);
  });

  test("shows a refused save as an error in the page", async () => {
    const app = await suite.start();
    const context = await suite.newContext();
    const page = await context.newPage();
    await page.goto(`${app.base}/?token=${app.launcherToken()}#channels`);
    await page.waitForSelector("#tab-channels:not([hidden])");
    await page.check("#ch-discord-enabled");
    await page.click("#ch-discord-save");
    // The API names the key (channels.discord.token); the page says it as a sentence.
    await page.waitForFunction(() =>
      document.getElementById("error")?.textContent?.includes("Set the bot token to enable discord")
    );
    await screenshot(page, "channels-error");
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import type { Browser, BrowserContext } from "playwright-core";
import { type FakeTelegram, startFakeTelegram } from "../helpers/fake_telegram.ts";
import { requirement } from "../helpers/requirements.ts";
import { CHROMIUM, launchBrowser, type RunningPicoclaw, screenshot, startPicoclaw, watchConsole } from "./browser.ts";

setDefaultTimeout(30_000);

// Without Chromium the browser tests are skipped with a notice, except in CI, where that is a failure.
const hasChromium = requirement(existsSync(CHROMIUM), `the browser tests need ${CHROMIUM} (apt-get install chromium)`);

const TOKEN = "555666:AAe2eTelegramTokenFromTheChannelsPage0";

let browser: Browser;
let app: RunningPicoclaw | undefined;
let context: BrowserContext | undefined;
let telegram: FakeTelegram | undefined;

beforeAll(async () => {
  if (hasChromium) browser = await launchBrowser();
});
afterAll(async () => await browser?.close());
afterEach(async () => {
  await context?.close();
  context = undefined;
  await app?.stop();
  app = undefined;
  telegram?.stop();
  telegram = undefined;
});

describe.skipIf(!hasChromium)("Channels page in Chromium", () => {
  test("enables Telegram with a token and allow_from; the state becomes running with the bot's name, live", async () => {
    telegram = startFakeTelegram(TOKEN, "claw_e2e_bot");
    app = await startPicoclaw({ PICOCLAW_CHANNELS_TELEGRAM_API_BASE: telegram.url });
    context = await browser.newContext({ viewport: { width: 360, height: 900 } });
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
    app = await startPicoclaw();
    context = await browser.newContext();
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

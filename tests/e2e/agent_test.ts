import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startFakeOpenAI } from "../helpers/fake_openai.ts";
import { browserSuite, screenshot, signIn, watchConsole } from "./browser.ts";

setDefaultTimeout(30_000);

const suite = browserSuite("the browser tests");

const API_KEY = "sk-e2e-agent-page-0123456789abcdef";

let fake: ReturnType<typeof startFakeOpenAI> | undefined;

afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe.skipIf(!suite.available)("Agent page in Chromium", () => {
  test("sets an OpenAI-compatible agent: Test fills the picker, Save applies it, the chat answer comes from it", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "Hello from the fake LLM.", models: ["fake-model", "fake-large"] });
    const app = await suite.start();
    const context = await suite.newContext();
    const page = await context.newPage();
    const problems = watchConsole(page);
    await signIn(page, app);

    await page.click('nav a[data-tab="agent"]');
    await page.waitForSelector("#tab-agent:not([hidden])");
    await page.waitForFunction(() => document.getElementById("agent-key-state")?.textContent === "(not set)");
    expect(await page.inputValue("#agent-provider")).toBe("echo");
    expect(await page.isVisible("#agent-base-url")).toBe(false);

    await page.selectOption("#agent-provider", "openai");
    await page.fill("#agent-base-url", fake.baseUrl);
    await page.fill("#agent-key", API_KEY);
    await page.click("#agent-test");
    await page.waitForSelector("#agent-model-picker:not([hidden])");
    expect(await page.textContent("#agent-test-result")).toContain("2 models listed");
    await page.selectOption("#agent-model-picker", "fake-large");
    expect(await page.inputValue("#agent-model")).toBe("fake-large");
    await page.click("#agent-test");
    await page.waitForFunction(() => document.getElementById("agent-test-result")?.textContent?.includes("Reply"));
    expect(await page.textContent("#agent-test-result")).toContain("It works");
    await screenshot(page, "20-agent-tested");

    await page.click("#agent-save");
    await page.waitForSelector("#notice:not([hidden])");
    expect(await page.textContent("#agent-key-state")).toBe("(set)");
    expect(await page.inputValue("#agent-key")).toBe("");
    expect(readFileSync(app.home.file(".security.yml"), "utf8")).toContain(API_KEY);
    expect(JSON.parse(readFileSync(app.home.file("config.json"), "utf8")).agent.model).toBe("fake-large");
    await screenshot(page, "21-agent-saved");

    await page.click('nav a[data-tab="chat"]');
    await page.waitForFunction(() => document.getElementById("chat-state")?.textContent === "connected");
    await page.fill("#chat-input", "who answers?");
    await page.click("#chat-send");
    await page.waitForFunction(() =>
      document.querySelector(".bubble.agent")?.textContent === "Hello from the fake LLM."
    );
    expect(fake.requests.at(-1)?.body.model).toBe("fake-large");
    expect(fake.requests.at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);

    await page.click('nav a[data-tab="status"]');
    await page.waitForFunction(() => document.getElementById("st-agent")?.textContent === "openai (fake-large)");
    expect(await page.content()).not.toContain(API_KEY);
    expect(problems).toEqual([]);
  });

  test("shows a wrong key as a sentence, and the key clear button empties it on Save", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "OK" });
    const app = await suite.start({}, { ".security.yml": `agent:\n  api_key: ${API_KEY}\n` });
    const context = await suite.newContext();
    const page = await context.newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="agent"]');
    await page.waitForFunction(() => document.getElementById("agent-key-state")?.textContent === "(set)");
    await page.selectOption("#agent-provider", "openai");
    await page.fill("#agent-base-url", fake.baseUrl);
    await page.fill("#agent-model", "fake-model");
    await page.fill("#agent-key", "sk-wrong-key-0000000000");
    await page.click("#agent-test");
    await page.waitForSelector("#agent-test-result.error:not([hidden])");
    expect(await page.textContent("#agent-test-result")).toContain("refused the API key");
    await page.click("#agent-key-clear");
    expect(await page.textContent("#agent-key-state")).toBe("(will be cleared on Save)");
    await page.click("#agent-save");
    await page.waitForFunction(() => document.getElementById("agent-key-state")?.textContent === "(not set)");
    expect(readFileSync(app.home.file(".security.yml"), "utf8")).not.toContain(API_KEY);
  });

  test("shows a bad field as the server's sentence", async () => {
    const app = await suite.start();
    const context = await suite.newContext();
    const page = await context.newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="agent"]');
    await page.waitForFunction(() => document.getElementById("agent-key-state")?.textContent === "(not set)");
    await page.selectOption("#agent-provider", "openai");
    await page.fill("#agent-base-url", "ftp://nope");
    await page.click("#agent-save");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toContain("The base URL must be an http:// or https:// URL");
  });

  test("fits a 360 px wide phone screen", async () => {
    const app = await suite.start();
    const context = await suite.newContext({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="agent"]');
    await page.waitForFunction(() => document.getElementById("agent-key-state")?.textContent === "(not set)");
    await page.selectOption("#agent-provider", "openai");
    await page.evaluate(() => {
      const picker = document.getElementById("agent-model-picker") as HTMLSelectElement;
      picker.add(new Option("a-rather-long-model-name-that-could-push-the-page-wider-than-a-phone"));
      picker.hidden = false;
    });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The model field wraps above the picker rather than being squeezed beside it.
    const modelWidth = await page.evaluate(() => document.getElementById("agent-model")!.getBoundingClientRect().width);
    expect(modelWidth).toBeGreaterThan(200);
    await screenshot(page, "22-agent-phone");
  });
});

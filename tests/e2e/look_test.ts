import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { openPico } from "../helpers/gateway.ts";
import { browserSuite, screenshot, signIn, watchConsole } from "./browser.ts";

setDefaultTimeout(60_000);

const suite = browserSuite("the look tests");

const PICO_TOKEN = "look-pico-token-0123456789abcdef";
const PICO_ON = { PICOCLAW_CHANNELS_PICO_ENABLED: "true" };
const SECURITY = { ".security.yml": `channels:\n  pico:\n    token: ${PICO_TOKEN}\n` };
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
/** `--bg` of each theme in style.css, as getComputedStyle reports it. */
const BACKGROUND = { light: "rgb(246, 247, 249)", dark: "rgb(18, 21, 28)" };
/** `--fg` of each theme. */
const TEXT = { light: "rgb(29, 34, 48)", dark: "rgb(230, 233, 239)" };

type Scheme = "light" | "dark";

async function newPage(viewport: { width: number; height: number }, colorScheme: Scheme) {
  const context = await suite.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  return { page, problems: watchConsole(page) };
}

/** How far the page is wider than the viewport (0 when nothing overflows). */
async function overflow(page: Page): Promise<number> {
  return await page.evaluate(() => document.scrollingElement!.scrollWidth - globalThis.innerWidth);
}

/** The nav's height over one link's height, and whether every link sits on the first link's row. */
async function navRows(page: Page): Promise<{ ratio: number; oneRow: boolean }> {
  return await page.evaluate(() => {
    const nav = document.querySelector("header nav")!;
    const links = [...nav.querySelectorAll("a")].map((a) => a.getBoundingClientRect());
    return {
      ratio: nav.getBoundingClientRect().height / links[0].height,
      oneRow: links.every((r) => Math.abs(r.top - links[0].top) < 1),
    };
  });
}

async function background(page: Page): Promise<string> {
  return await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

/** The dashboard's tabs, from its own nav (pages added later are covered too). */
async function tabs(page: Page): Promise<string[]> {
  return await page.$$eval("header nav a[data-tab]", (links) => links.map((a) => (a as HTMLElement).dataset.tab!));
}

describe.skipIf(!suite.available)("look and phone (SPEC 7.5) in Chromium", () => {
  for (const scheme of ["light", "dark"] as const) {
    test(`every page fits 360 px with the tabs on one row (${scheme})`, async () => {
      const app = await suite.start(PICO_ON, SECURITY);
      const { page, problems } = await newPage(PHONE, scheme);
      await page.goto(`${app.base}/`);
      expect(await background(page)).toBe(BACKGROUND[scheme]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `look-360-${scheme}-login`);
      await signIn(page, app);
      // First run: the setup card shows above the tabs, and must fit too.
      await page.waitForSelector("#setup:not([hidden])");
      const names = await tabs(page);
      expect(names.length).toBeGreaterThanOrEqual(4);
      for (const name of names) {
        await page.click(`header nav a[data-tab="${name}"]`);
        await page.waitForSelector(`#tab-${name}:not([hidden])`);
        expect({ name, overflow: await overflow(page) }).toEqual({ name, overflow: 0 });
        const nav = await navRows(page);
        expect({ name, oneRow: nav.oneRow }).toEqual({ name, oneRow: true });
        expect(nav.ratio).toBeLessThan(1.8);
        expect(await background(page)).toBe(BACKGROUND[scheme]);
        await screenshot(page, `look-360-${scheme}-${name}`);
      }
      expect(problems).toEqual([]);
    });

    test(`the desktop dashboard in the ${scheme} theme`, async () => {
      const app = await suite.start(PICO_ON, SECURITY);
      const { page, problems } = await newPage(DESKTOP, scheme);
      await signIn(page, app);
      await page.waitForFunction(() => document.getElementById("st-pico")?.textContent === "enabled");
      expect(await background(page)).toBe(BACKGROUND[scheme]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `look-desktop-${scheme}`);
      expect(problems).toEqual([]);
    });
  }

  test("the theme toggle is remembered across reloads and pages, and applied before the body is parsed", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page, problems } = await newPage(PHONE, "light");
    // Records <html data-theme> at the moment <body> is inserted: set there means set before the first paint.
    await page.addInitScript(() => {
      const record = globalThis as unknown as { themeAtBody?: string };
      new MutationObserver((_, observer) => {
        if (!document.body) return;
        record.themeAtBody = document.documentElement.dataset.theme ?? "system";
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    const themeAtBody = () => page.evaluate(() => (globalThis as unknown as { themeAtBody?: string }).themeAtBody);
    await page.goto(`${app.base}/`);
    expect(await themeAtBody()).toBe("system");
    expect(await background(page)).toBe(BACKGROUND.light);
    await page.click("#theme-toggle");
    expect(await background(page)).toBe(BACKGROUND.dark);
    expect(await page.getAttribute("#theme-toggle", "aria-label")).toBe("Switch to the light theme");
    await page.reload();
    expect(await themeAtBody()).toBe("dark");
    expect(await background(page)).toBe(BACKGROUND.dark);
    await screenshot(page, "look-360-toggled-dark-login");
    await signIn(page, app);
    expect(await themeAtBody()).toBe("dark");
    expect(await background(page)).toBe(BACKGROUND.dark);
    expect(await page.getAttribute('meta[name="theme-color"]', "content")).toBe("#1b2029");
    await page.click("#theme-toggle");
    expect(await background(page)).toBe(BACKGROUND.light);
    await page.reload();
    await page.waitForSelector("#tab-status:not([hidden])");
    expect(await themeAtBody()).toBe("light");
    expect(await background(page)).toBe(BACKGROUND.light);
    expect(problems).toEqual([]);
  });

  test("the toggle's light theme wins over a dark system (background and text), and toggling again gives dark", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page, problems } = await newPage(PHONE, "dark");
    await page.goto(`${app.base}/`);
    expect(await background(page)).toBe(BACKGROUND.dark);
    expect(await page.getAttribute("#theme-toggle", "aria-label")).toBe("Switch to the light theme");
    await page.click("#theme-toggle");
    expect(await background(page)).toBe(BACKGROUND.light);
    expect(await page.evaluate(() => getComputedStyle(document.body).color)).toBe(TEXT.light);
    await page.reload();
    expect(await background(page)).toBe(BACKGROUND.light);
    await page.click("#theme-toggle");
    expect(await background(page)).toBe(BACKGROUND.dark);
    expect(await page.evaluate(() => getComputedStyle(document.body).color)).toBe(TEXT.dark);
    expect(problems).toEqual([]);
  });

  test("the Status page counts dashboard tabs apart from external Pico clients", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage(DESKTOP, "light");
    await signIn(page, app); // this tab's chat socket is one dashboard connection
    const external = await openPico(`ws://127.0.0.1:${app.gatewayPort}/pico`, {
      headers: { authorization: `Bearer ${PICO_TOKEN}` },
    });
    await page.waitForFunction(() =>
      document.getElementById("st-connections")?.textContent === "1" &&
      document.getElementById("st-dashboard-connections")?.textContent === "1"
    );
    external.close();
  });
});

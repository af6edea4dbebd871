import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite, screenshot, signIn } from "./browser.ts";

setDefaultTimeout(60_000);

const suite = browserSuite("the polish tests");

/** A page in a fresh browser profile (its own cookies and localStorage). */
async function freshPage(): Promise<Page> {
  const context = await suite.newContext({ viewport: { width: 360, height: 740 } });
  return await context.newPage();
}

/** Waits until the dashboard has decided whether to show the first-run card; returns whether it shows. */
async function setupShown(page: Page): Promise<boolean> {
  await page.waitForSelector("#setup[data-checked]", { state: "attached" });
  return await page.$eval("#setup", (el) => !(el as HTMLElement).hidden);
}

describe.skipIf(!suite.available)("dashboard polish in Chromium", () => {
  test("the first-run card is in the dashboard, and its Not now is remembered by this browser", async () => {
    const app = await suite.start();
    const page = await freshPage();
    await page.goto(`${app.base}/`);
    expect(await page.$("#setup")).toBeNull(); // not on the login page
    await signIn(page, app);
    expect(await setupShown(page)).toBe(true);
    await page.click("#setup-later");
    expect(await page.$eval("#setup", (el) => (el as HTMLElement).hidden)).toBe(true);
    await page.reload();
    expect(await setupShown(page)).toBe(false);
    // A new tab of the same browser remembers it too (sessionStorage would not).
    const tab = await page.context().newPage();
    await tab.goto(`${app.base}/`);
    expect(await setupShown(tab)).toBe(false);
    // Another browser has not said "Not now": it still asks.
    const other = await freshPage();
    await signIn(other, app);
    expect(await setupShown(other)).toBe(true);
  });

  test("the sign-in page counts the Retry-After seconds of a 429 down", async () => {
    const app = await suite.start();
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${app.base}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: `wrong-${i}` }),
      });
      expect(res.status).toBe(401);
    }
    const page = await freshPage();
    await page.goto(`${app.base}/`);
    await page.fill("#token", "still-wrong");
    await page.click("#login");
    await page.waitForSelector("#error:not([hidden])");
    const seconds = (text: string | null) => Number(/Try again in (\d+) s\./.exec(text ?? "")?.[1]);
    const first = seconds(await page.textContent("#error"));
    expect(first).toBeGreaterThan(1);
    expect(first).toBeLessThanOrEqual(60);
    expect(await page.$eval("#login", (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    // The number goes down while the page is open.
    await page.waitForFunction((start) => {
      const match = /Try again in (\d+) s\./.exec(document.getElementById("error")?.textContent ?? "");
      return match !== null && Number(match[1]) < start;
    }, first);
    await screenshot(page, "look-360-login-429");
  });

  test("a validation error from the API reads as a sentence, without key paths or zod words", async () => {
    const app = await suite.start();
    const page = await freshPage();
    await signIn(page, app);
    await page.click('header nav a[data-tab="tokens"]');
    await page.fill("#pico-set-value", "has spaces and is long enough");
    await page.click("#pico-set");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toBe("The token must be 16-512 characters of A-Z a-z 0-9 . _ ~ + -.");
  });
});

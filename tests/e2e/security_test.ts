import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { browserSuite, screenshot, signIn, watchConsole } from "./browser.ts";

setDefaultTimeout(30_000);

const suite = browserSuite("the browser tests");

async function newPage(viewport = { width: 1100, height: 800 }): Promise<Page> {
  const context = await suite.newContext({ viewport, acceptDownloads: true });
  return await context.newPage();
}

/** A failed sign-in from outside the browser (it shows in the attempts and the log). */
async function wrongLogin(): Promise<void> {
  await fetch(`${suite.app.base}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: "not-the-launcher-token" }),
  });
}

describe.skipIf(!suite.available)("Security and Logs pages in Chromium", () => {
  test("lists sessions and attempts, revokes another browser, and rotates the launcher token", async () => {
    const app = await suite.start();
    const token = app.launcherToken();
    await wrongLogin();
    const phone = await newPage({ width: 360, height: 740 });
    await signIn(phone, app, token);
    const page = await newPage();
    const problems = watchConsole(page);
    await signIn(page, app, token);

    await page.goto(`${app.base}/#security`);
    await page.waitForFunction(() => document.querySelectorAll("#sessions-body tr").length === 2);
    expect(await page.textContent("#sessions-body")).toContain("(this browser)");
    expect(await page.textContent("#attempts-body")).toContain("failed");
    await screenshot(page, "security-01-sessions");

    // Revoke the phone's session: its chat socket closes 4001 and the page goes to sign-in by itself.
    await page.click("#sessions-body button:text('Revoke')");
    await page.waitForFunction(() => document.querySelectorAll("#sessions-body tr").length === 1);
    expect(await page.textContent("#notice")).toContain("Session revoked");
    await phone.waitForSelector("#token");

    // Rotate with a generated token: shown once in the page, and it is the one in force.
    expect(problems).toEqual([]);
    await page.fill("#rotate-current", "wrong-current-token");
    await page.click("#rotate-submit");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toContain("not right");
    // The expected 401 of the wrong token (console and response) is all it logged.
    expect(problems.length).toBe(2);
    problems.length = 0;
    await page.fill("#rotate-current", token);
    await page.click("#rotate-submit");
    await page.waitForSelector("#rotate-new:not([hidden])");
    const fresh = await page.inputValue("#rotate-new");
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(app.home.file("launcher-config.json"), "utf8")).launcher_token).toBe(fresh);
    await screenshot(page, "security-02-rotated");
    // This browser stays signed in (with its new cookie) and its chat reconnects.
    await page.goto(`${app.base}/#chat`);
    await page.waitForFunction(() => document.getElementById("chat-state")?.textContent === "connected");
    await page.goto(`${app.base}/#security`);
    await page.waitForFunction(() => document.querySelectorAll("#sessions-body tr").length === 1);
    expect(problems).toEqual([]);

    // The phone-sized page has no sideways scrolling.
    const small = await newPage({ width: 360, height: 740 });
    await signIn(small, app, fresh);
    await small.goto(`${app.base}/#security`);
    await small.waitForFunction(() => document.querySelectorAll("#sessions-body tr").length === 2);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(small, "security-03-phone");
  });

  test("shows log entries, filters by level, follows new ones and downloads launcher.log", async () => {
    const app = await suite.start();
    const page = await newPage();
    const problems = watchConsole(page);
    await signIn(page, app);
    await page.goto(`${app.base}/#logs`);
    await page.waitForFunction(() => document.getElementById("logs-list")?.textContent?.includes("launcher listening"));
    await screenshot(page, "logs-01-info");

    await page.selectOption("#logs-level", "warn");
    await page.waitForFunction(() =>
      !document.getElementById("logs-list")?.textContent?.includes("launcher listening")
    );
    // A new warning appears without a reload (the page asks every 2 s).
    await wrongLogin();
    await page.waitForFunction(
      () => document.getElementById("logs-list")?.textContent?.includes("login failed ip=127.0.0.1 via=login"),
      undefined,
      { timeout: 10_000 },
    );
    const text = await page.textContent("#logs-list");
    expect(text).not.toContain("INFO");
    expect(text).not.toContain(app.launcherToken());
    await screenshot(page, "logs-02-warn");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#logs-download")]);
    expect(download.suggestedFilename()).toBe("launcher.log");
    const saved = readFileSync((await download.path())!, "utf8");
    expect(saved).toContain("launcher listening");
    expect(saved).toContain("login failed ip=127.0.0.1 via=login");
    expect(saved).not.toContain(app.launcherToken());
    expect(problems).toEqual([]);
  });
});

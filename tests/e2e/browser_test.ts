import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import type { BrowserContext } from "playwright-core";
import { browserSuite, type RunningPicoclaw } from "./browser.ts";

setDefaultTimeout(30_000);

const suite = browserSuite("the browser-suite tests");

// The second test looks at what the first one left: bun runs the tests of a file in order.
let opened: { app: RunningPicoclaw; contexts: BrowserContext[] } | undefined;

describe.skipIf(!suite.available)("browserSuite() in Chromium", () => {
  test("gives a started app and fresh contexts to a test", async () => {
    const app = await suite.start();
    expect(suite.app).toBe(app);
    const contexts = [await suite.newContext(), await suite.newContext({ viewport: { width: 360, height: 740 } })];
    const page = await contexts[1].newPage();
    await page.goto(`${app.base}/`);
    expect(await page.evaluate(() => globalThis.innerWidth)).toBe(360);
    opened = { app, contexts };
  });

  test("stops the app and closes the contexts after the test that opened them", async () => {
    expect(opened).toBeDefined();
    expect(opened!.app.child.proc.exitCode).not.toBeNull();
    expect(existsSync(opened!.app.home.path)).toBe(false);
    for (const context of opened!.contexts) await expect(context.newPage()).rejects.toThrow(/closed/);
    expect(() => suite.app).toThrow("Cannot use the app: this test has not started one (suite.start)");
  });
});

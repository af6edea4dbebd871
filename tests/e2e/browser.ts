import { afterAll, afterEach, beforeAll } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { childEnv, type RunningBinary, startBinary } from "../helpers/binary.ts";
import { requirement } from "../helpers/requirements.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots go (ignored by git) so a person can look at each page. */
export const SCREENSHOTS = join(import.meta.dir, "screenshots");

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a full-page screenshot as `tests/e2e/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A running `picoclaw` (launcher mode) in a temp home. */
export interface RunningPicoclaw {
  home: TempHome;
  child: RunningBinary;
  port: number;
  gatewayPort: number;
  base: string;
  launcherToken(): string;
  stop(): Promise<void>;
}

/** Starts the built binary in launcher mode on free ports, with the Pico channel on. */
export async function startPicoclaw(
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Promise<RunningPicoclaw> {
  const home = makeTempHome(files);
  const child = startBinary(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0", ...env }));
  const gatewayPort = await child.gatewayPort();
  const port = await child.launcherPort();
  return {
    home,
    child,
    port: Number(port),
    gatewayPort: Number(gatewayPort),
    base: `http://127.0.0.1:${port}`,
    launcherToken: () => JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token,
    stop: async () => {
      await child.stop();
      home.remove();
    },
  };
}

/** Collects console errors and CSP violations of a page, so tests can assert there are none. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

/** The set-up every Chromium test file shares; see {@link browserSuite}. */
export interface BrowserSuite {
  /** Whether Chromium is there: `describe.skipIf(!suite.available)(...)`. */
  readonly available: boolean;
  /** The browser, launched once for the file (throws when Chromium is missing). */
  readonly browser: Browser;
  /** The app started by {@link BrowserSuite.start} in the running test (throws when none is). */
  readonly app: RunningPicoclaw;
  /**
   * Starts `picoclaw` like {@link startPicoclaw}; it is stopped and its home removed after the test.
   * @returns The running app, also at `suite.app`.
   */
  start(env?: Record<string, string>, files?: Record<string, string>): Promise<RunningPicoclaw>;
  /**
   * A fresh browser profile (its own cookies and storage), closed after the test.
   * @param options Playwright's context options (viewport, colorScheme, isMobile...).
   */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * Registers the hooks of a Chromium test file: the browser is launched before its tests and closed
 * after them; the contexts and the app a test opened are closed and stopped after each test.
 * Without Chromium the tests are skipped with a notice, except under CI, where that is a failure.
 *
 * @param what Who needs Chromium, for the skip notice, e.g. "the chat tests".
 * @returns The suite, for `describe.skipIf(!suite.available)`, `suite.start()` and `suite.newContext()`.
 * @example
 * const suite = browserSuite("the chat tests");
 * describe.skipIf(!suite.available)("chat in Chromium", () => {
 *   test("answers", async () => {
 *     const app = await suite.start();
 *     const page = await (await suite.newContext()).newPage();
 *     await page.goto(`${app.base}/?token=${app.launcherToken()}`);
 *   });
 * });
 */
export function browserSuite(what: string): BrowserSuite {
  const available = requirement(existsSync(CHROMIUM), `${what} need ${CHROMIUM} (apt-get install chromium)`);
  let browser: Browser | undefined;
  let app: RunningPicoclaw | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (available) browser = await launchBrowser();
  });
  afterAll(async () => await browser?.close());
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await app?.stop();
    app = undefined;
  });
  const suite: BrowserSuite = {
    available,
    get browser(): Browser {
      if (!browser) throw new Error(`Cannot use the browser: ${what} have no Chromium (${CHROMIUM})`);
      return browser;
    },
    get app(): RunningPicoclaw {
      if (!app) throw new Error("Cannot use the app: this test has not started one (suite.start)");
      return app;
    },
    start: async (env = {}, files = {}) => {
      app = await startPicoclaw(env, files);
      return app;
    },
    newContext: async (options = {}) => {
      const context = await suite.browser.newContext(options);
      contexts.push(context);
      return context;
    },
  };
  return suite;
}

/**
 * Signs in through the login form, as a person would, and waits for the dashboard's first tab.
 * @param token The launcher token to type; the app's own by default.
 */
export async function signIn(page: Page, app: RunningPicoclaw, token = app.launcherToken()): Promise<void> {
  await page.goto(`${app.base}/`);
  await page.fill("#token", token);
  await page.click("#login");
  await page.waitForSelector("#tab-status:not([hidden])");
}

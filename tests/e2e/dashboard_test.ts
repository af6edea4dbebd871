import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { startFakeOpenAI } from "../helpers/fake_openai.ts";
import { openPico } from "../helpers/gateway.ts";
import { browserSuite, screenshot, signIn, watchConsole } from "./browser.ts";

setDefaultTimeout(30_000);

const suite = browserSuite("the browser tests");

const PICO_TOKEN = "e2e-pico-token-0123456789abcdef";
const PICO_ON = { PICOCLAW_CHANNELS_PICO_ENABLED: "true" };
const SECURITY = { ".security.yml": `channels:\n  pico:\n    token: ${PICO_TOKEN}\n` };

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await suite.newContext();
  const page = await context.newPage();
  return { page, problems: watchConsole(page) };
}

describe.skipIf(!suite.available)("dashboard in Chromium", () => {
  test("logs in by typing the launcher token and shows live status", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page, problems } = await newPage();
    await page.goto(`${app.base}/`);
    await screenshot(page, "01-login");
    await signIn(page, app);
    await page.waitForFunction(() => document.getElementById("st-pico")?.textContent === "enabled");
    expect(await page.textContent("#st-agent")).toBe("echo");
    await screenshot(page, "02-status");
    expect(problems).toEqual([]);
  });

  test("shows a wrong token as an error in the page", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage();
    page.on("dialog", () => {
      throw new Error("The page opened a dialog");
    });
    await page.goto(`${app.base}/`);
    await page.fill("#token", "not-the-token");
    await page.click("#login");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toContain("not right");
    await screenshot(page, "03-login-error");
  });

  test("auto-logs in with ?token= and drops the token from the address bar", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage();
    await page.goto(`${app.base}/?token=${app.launcherToken()}`);
    await page.waitForSelector("#tab-status:not([hidden])");
    expect(new URL(page.url()).pathname).toBe("/");
    expect(page.url()).not.toContain("token=");
  });

  test("auto-logs in with #token= without sending the token to the server", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage();
    const requested: string[] = [];
    page.on("request", (req) => requested.push(req.url()));
    await page.goto(`${app.base}/#token=${app.launcherToken()}`);
    await page.waitForSelector("#tab-status:not([hidden])");
    expect(page.url()).not.toContain("token");
    for (const url of requested) expect(url).not.toContain(app.launcherToken());
    expect(readFileSync(app.home.file("logs/launcher.log"), "utf8")).not.toContain(app.launcherToken());
  });

  test("runs first-run setup from the dashboard after signing in, not from the login page", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page, problems } = await newPage();
    await page.goto(`${app.base}/`);
    expect(await page.$("#setup-form")).toBeNull();
    await signIn(page, app);
    await page.waitForSelector("#setup:not([hidden])");
    await screenshot(page, "04-first-run-setup");
    await page.fill("#setup-token", "chosen-launcher-token-42");
    await page.fill("#setup-confirm", "chosen-launcher-token-42");
    await page.click("#setup-submit");
    // The form hides itself once the server has answered (and written the file).
    await page.waitForSelector("#setup", { state: "hidden" });
    const stored = JSON.parse(readFileSync(app.home.file("launcher-config.json"), "utf8"));
    expect(stored).toMatchObject({ launcher_token: "chosen-launcher-token-42", generated: false });
    expect(await page.isVisible("#tab-status")).toBe(true);
    expect(problems).toEqual([]);
  });

  test("chats with the echo agent through the real gateway over /pico/ws", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page, problems } = await newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="chat"]');
    await page.waitForFunction(() => document.getElementById("chat-state")?.textContent === "connected");
    await page.fill("#chat-input", "hello from chromium");
    await page.click("#chat-send");
    await page.waitForSelector(".bubble.agent");
    expect(await page.textContent(".bubble.agent")).toBe("hello from chromium");
    expect(await page.textContent(".bubble.user")).toBe("hello from chromium");
    await page.waitForSelector("#typing", { state: "hidden" });
    await screenshot(page, "05-chat");
    expect(problems).toEqual([]);
  });

  test("shows streaming updates and the typing indicator with an OpenAI-compatible agent", async () => {
    const fake = startFakeOpenAI("sk-e2e-fake-key-0123456789", {
      reply: "Streaming reply, word by word, to the dashboard.",
      chunkSize: 5,
      delayMs: 120,
    });
    try {
      const app = await suite.start({
        ...PICO_ON,
        PICOCLAW_AGENT_PROVIDER: "openai",
        PICOCLAW_AGENT_BASE_URL: fake.baseUrl,
        PICOCLAW_AGENT_API_KEY: "sk-e2e-fake-key-0123456789",
        PICOCLAW_AGENT_MODEL: "fake",
      }, SECURITY);
      const { page } = await newPage();
      await signIn(page, app);
      await page.click('nav a[data-tab="chat"]');
      await page.waitForFunction(() => document.getElementById("chat-state")?.textContent === "connected");
      await page.fill("#chat-input", "stream please");
      await page.click("#chat-send");
      await page.waitForSelector("#typing:not([hidden])");
      await page.waitForSelector(".bubble.agent");
      const partial = await page.textContent(".bubble.agent");
      expect("Streaming reply, word by word, to the dashboard.".startsWith(partial ?? "x")).toBe(true);
      await page.waitForFunction(() =>
        document.querySelector(".bubble.agent")?.textContent === "Streaming reply, word by word, to the dashboard."
      );
      await page.waitForSelector("#typing", { state: "hidden" });
      expect(partial).not.toBe("Streaming reply, word by word, to the dashboard.");
    } finally {
      fake.stop();
    }
  });

  test("a page on another origin cannot open /pico/ws or change settings with the victim's cookie", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage();
    await signIn(page, app);
    const target = app.base;
    // Same site (127.0.0.1), other port: the SameSite=Strict cookie IS sent, so the Origin check must refuse.
    const evil = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          `<!doctype html><p id="ws">pending</p><p id="post">pending</p><script>
            const ws = new WebSocket("${target.replace("http", "ws")}/pico/ws");
            ws.onopen = () => { document.getElementById("ws").textContent = "opened"; };
            ws.onclose = (e) => { if (document.getElementById("ws").textContent === "pending") document.getElementById("ws").textContent = "refused " + e.code; };
            fetch("${target}/api/pico/token", { method: "POST", credentials: "include", mode: "no-cors",
              headers: { "content-type": "text/plain" }, body: "{}" })
              .then(() => { document.getElementById("post").textContent = "sent"; })
              .catch(() => { document.getElementById("post").textContent = "blocked"; });
          </script>`,
          { headers: { "content-type": "text/html" } },
        ),
    });
    try {
      const attacker = await page.context().newPage();
      await attacker.goto(`http://127.0.0.1:${evil.port}/`);
      await attacker.waitForFunction(() => document.getElementById("ws")?.textContent !== "pending");
      expect(await attacker.textContent("#ws")).toStartWith("refused");
      await attacker.waitForFunction(() => document.getElementById("post")?.textContent !== "pending");
      await screenshot(attacker, "06-cross-origin-refused");
      const log = readFileSync(app.home.file("logs/launcher.log"), "utf8");
      expect(log).toContain("dashboard socket refused: foreign origin");
      expect(log).not.toContain("pico token changed");
      const gatewayClient = await openPico(`ws://127.0.0.1:${app.gatewayPort}/pico`, {
        headers: { authorization: `Bearer ${PICO_TOKEN}` },
      });
      gatewayClient.close();
    } finally {
      evil.stop(true);
    }
  });

  test("rotates the Pico token from the tokens page: old socket closed 4001, new token works", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const gatewayUrl = `ws://127.0.0.1:${app.gatewayPort}/pico`;
    const old = await openPico(gatewayUrl, { headers: { authorization: `Bearer ${PICO_TOKEN}` } });
    const { page, problems } = await newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="tokens"]');
    await page.waitForFunction(() => document.getElementById("pico-token-state")?.textContent?.includes("e2e-"));
    await screenshot(page, "07-tokens");
    await page.click("#pico-rotate");
    await page.click("#pico-rotate");
    await page.waitForSelector("#notice:not([hidden])");
    expect(await page.textContent("#notice")).toContain("Pico token changed");
    expect((await old.closed()).code).toBe(4001);
    await page.click("#pico-reveal");
    await page.waitForSelector("#pico-token-value:not([hidden])");
    const fresh = await page.inputValue("#pico-token-value");
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    const client = await openPico(gatewayUrl, { headers: { authorization: `Bearer ${fresh}` } });
    client.send({ type: "ping", id: "new-token" });
    expect((await client.next("pong")).id).toBe("new-token");
    client.close();
    await screenshot(page, "08-tokens-rotated");
    expect(problems).toEqual([]);
  });

  test("logs out and the old session no longer works", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const { page } = await newPage();
    await signIn(page, app);
    const [cookie] = await page.context().cookies();
    await page.click("#logout");
    await page.waitForSelector("#login-form");
    await screenshot(page, "09-logged-out");
    const res = await fetch(`${app.base}/api/status`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(res.status).toBe(401);
  });

  test("fits a phone screen", async () => {
    const app = await suite.start(PICO_ON, SECURITY);
    const context = await suite.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, app);
    await page.click('nav a[data-tab="settings"]');
    await page.waitForSelector("#tab-settings:not([hidden])");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "10-phone-settings");
  });
});

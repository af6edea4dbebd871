import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { childEnv, type RunningBinary, startBinary } from "../helpers/binary.ts";
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

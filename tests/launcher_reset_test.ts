import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { childEnv, runBinary } from "./helpers/binary.ts";
import { openPico } from "./helpers/gateway.ts";
import { perTest } from "./helpers/per_test.ts";
import type { TempHome } from "./helpers/temp_home.ts";

setDefaultTimeout(20_000);

/** SPEC §7.4: a running launcher uses a reset token and ends every session within 2 s. */
const NOTICE_MS = 2000;

const each = perTest();

function launcherFile(home: TempHome): { launcher_token: string; generated: boolean } {
  return JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8"));
}

async function login(base: string, token: string): Promise<Response> {
  return await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
}

/** Polls `check` until it holds or `ms` pass; true when it held. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await Bun.sleep(25);
  }
}

describe("picoclaw token reset-launcher", () => {
  test("a running launcher switches to the printed token and ends every session (sockets 4001)", async () => {
    const home = each.home();
    const child = each.start(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
    const port = await child.launcherPort();
    const base = `http://127.0.0.1:${port}`;
    const old = launcherFile(home).launcher_token;
    const signedIn = await login(base, old);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.getSetCookie()[0].split(";")[0];
    const socket = await openPico(`ws://127.0.0.1:${port}/pico/ws`, { headers: { cookie, origin: base } });

    const reset = await runBinary(["token", "reset-launcher"], childEnv(home.path));
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const token = reset.stdout.trim();
    expect(launcherFile(home)).toMatchObject({ launcher_token: token, generated: true });
    expect(statSync(home.file("launcher-config.json")).mode & 0o777).toBe(0o600);

    const sessionEnded = await within(NOTICE_MS, async () => {
      const res = await fetch(`${base}/api/auth/sessions`, { headers: { cookie } });
      return res.status === 401;
    });
    expect(sessionEnded).toBe(true);
    expect((await socket.closed(NOTICE_MS)).code).toBe(4001);
    expect((await login(base, token)).status).toBe(200);
    expect((await login(base, old)).status).toBe(401);

    const log = readFileSync(home.file("logs/launcher.log"), "utf8");
    expect(log).toContain("launcher token changed in launcher-config.json");
    expect(log).not.toContain(token);
    expect(log).not.toContain(old);
  });

  test("works with no launcher running, and the next start uses the printed token", async () => {
    const home = each.home();
    const reset = await runBinary(["token", "reset-launcher"], childEnv(home.path));
    expect(reset.code).toBe(0);
    const token = reset.stdout.trim();
    const child = each.start(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
    const base = `http://127.0.0.1:${await child.launcherPort()}`;
    expect((await login(base, token)).status).toBe(200);
    expect(child.stderr()).toContain("launcher token resolved source=config");
  });

  test("warns that PICOCLAW_LAUNCHER_TOKEN still wins, never echoing it", async () => {
    const home = each.home();
    const envToken = "env-launcher-token-0123456789";
    const reset = await runBinary(
      ["token", "reset-launcher"],
      childEnv(home.path, { PICOCLAW_LAUNCHER_TOKEN: envToken }),
    );
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain("PICOCLAW_LAUNCHER_TOKEN");
    expect(reset.stderr + reset.stdout).not.toContain(envToken);
  });

  test("is in the usage text", async () => {
    const home = each.home();
    expect((await runBinary(["--help"], childEnv(home.path))).stdout).toContain("token reset-launcher");
    expect((await runBinary(["token", "--help"], childEnv(home.path))).stdout).toContain("reset-launcher");
  });
});

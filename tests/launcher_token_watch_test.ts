import { afterEach, describe, expect, test } from "bun:test";
import { writeFileAtomic } from "../mod/config/mod.ts";
import { type TokenWatchOutcome, watchLauncherToken } from "../mod/launcher/token_watch.ts";
import { makeTestLauncher, postJson, sessionCookie, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher | undefined;
let stopWatching: (() => void) | undefined;
afterEach(async () => {
  stopWatching?.();
  await launcher?.stop();
  launcher = undefined;
});

/** Starts the watcher on a test launcher and returns a way to wait for its next look at the file. */
async function watched(env: Record<string, string> = {}) {
  launcher = await makeTestLauncher({ env });
  const outcomes: TokenWatchOutcome[] = [];
  stopWatching = watchLauncherToken(launcher.ctx, { onCheck: (o) => outcomes.push(o) });
  const nextOutcome = async (seen: number): Promise<TokenWatchOutcome> => {
    const deadline = Date.now() + 5000;
    while (outcomes.length <= seen) {
      if (Date.now() > deadline) throw new Error("The watcher did not look at launcher-config.json within 5 s");
      await Bun.sleep(10);
    }
    return outcomes[seen];
  };
  return { launcher, outcomes, nextOutcome };
}

/** What `picoclaw token reset-launcher` does to the file: an atomic replace. */
async function writeToken(l: TestLauncher, token: string, generated = true): Promise<void> {
  const file = l.home.file("launcher-config.json");
  await writeFileAtomic(file, JSON.stringify({ port: 18800, launcher_token: token, generated }));
}

describe("watchLauncherToken()", () => {
  test("switches to a token written by another process and ends every session", async () => {
    const { launcher: l, nextOutcome } = await watched();
    const cookie = await l.login();
    const fresh = "f".repeat(64);
    await writeToken(l, fresh);
    expect(await nextOutcome(0)).toBe("adopted");
    expect(l.token()).toBe(fresh);
    expect(l.ctx.token).toMatchObject({ source: "config", generated: true });
    expect((await l.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(401);
    expect(l.logs.join("")).toContain("launcher token changed in launcher-config.json");
    expect(l.logs.join("")).not.toContain(fresh);
    // The effective config names the token in force (masked), as read from the file.
    const config = await (await l.request("/api/config", { headers: { cookie: await l.login() } })).json();
    expect(config.launcher.launcher_token).toEqual({ value: "ffff…ffff", source: "launcher-config.json" });
    expect(config.launcher.generated).toEqual({ value: true, source: "launcher-config.json" });
  });

  test("leaves the caller of a dashboard rotation signed in (its own write is not a reset)", async () => {
    const { launcher: l, outcomes, nextOutcome } = await watched();
    const cookie = await l.login();
    const res = await l.request("/api/auth/token", postJson({ current: l.token(), generate: true }, cookie));
    expect(res.status).toBe(200);
    const { token } = await res.json();
    const fresh = sessionCookie(res);
    expect(await nextOutcome(0)).toBe("unchanged");
    expect(outcomes).not.toContain("adopted");
    expect(l.token()).toBe(token);
    expect((await l.request("/api/auth/sessions", { headers: { cookie: fresh } })).status).toBe(200);
  });

  test("ignores a malformed file, keeping the token and the sessions", async () => {
    const { launcher: l, nextOutcome } = await watched();
    const token = l.token();
    const cookie = await l.login();
    await writeFileAtomic(l.home.file("launcher-config.json"), "{ not json");
    expect(await nextOutcome(0)).toBe("unreadable");
    expect(l.token()).toBe(token);
    expect((await l.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(200);
  });

  test("keeps a token from PICOCLAW_LAUNCHER_TOKEN and says so in the log", async () => {
    const envToken = "env-launcher-token-0123456789";
    const { launcher: l, nextOutcome } = await watched({ PICOCLAW_LAUNCHER_TOKEN: envToken });
    const cookie = await l.login();
    await writeToken(l, "e".repeat(64));
    expect(await nextOutcome(0)).toBe("env");
    expect(l.token()).toBe(envToken);
    expect((await l.request("/api/auth/sessions", { headers: { cookie } })).status).toBe(200);
    expect(l.logs.join("")).toContain("PICOCLAW_LAUNCHER_TOKEN stays in force");
  });
});

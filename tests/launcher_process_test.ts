import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { childEnv, type RunningBinary, startBinary, startConsoleBinary } from "./helpers/binary.ts";
import { makeTempHome, type TempHome } from "./helpers/temp_home.ts";

let home: TempHome;
let child: RunningBinary | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
  home?.remove();
});

/** Starts `picoclaw --console` on free ports and waits for the console text. */
async function startConsole(env: Record<string, string> = {}) {
  const started = await startConsoleBinary(home.path, env);
  child = started.child;
  return started.port;
}

function logText(): string {
  return readFileSync(home.file("logs/launcher.log"), "utf8");
}

describe("launcher token resolution (process)", () => {
  test("makes a random 64-hex token, stores it 0600 with generated true, prints it, logs only the source", async () => {
    home = makeTempHome();
    const port = await startConsole();
    const stored = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8"));
    expect(stored.launcher_token).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.generated).toBe(true);
    expect(stored.public).toBe(false);
    expect(statSync(home.file("launcher-config.json")).mode & 0o777).toBe(0o600);
    const stdout = child!.stdout();
    expect(stdout).toContain(`Launcher token: ${stored.launcher_token}`);
    expect(stdout).toContain(`http://localhost:${port}/?token=${stored.launcher_token}`);
    expect(logText()).toContain("launcher token resolved source=random");
    expect(logText()).not.toContain(stored.launcher_token);
    expect(child!.stderr()).not.toContain(stored.launcher_token);
  });

  test("keeps the stored token across a restart (source config)", async () => {
    home = makeTempHome();
    await startConsole();
    const first = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token;
    expect(await child!.stop()).toBe(0);
    await startConsole();
    expect(JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token).toBe(first);
    expect(child!.stdout()).toContain(`Launcher token: ${first}`);
    expect(logText()).toContain("launcher token resolved source=config");
  });

  test("uses PICOCLAW_LAUNCHER_TOKEN without ever echoing it", async () => {
    home = makeTempHome();
    const token = "env-launcher-token-0123456789abcdef";
    const port = await startConsole({ PICOCLAW_LAUNCHER_TOKEN: token });
    expect(child!.stdout()).toContain("token from PICOCLAW_LAUNCHER_TOKEN");
    for (const text of [child!.stdout(), child!.stderr(), logText()]) expect(text).not.toContain(token);
    expect(logText()).toContain("launcher token resolved source=env");
    expect(existsSync(home.file("launcher-config.json"))).toBe(false);
    const res = await fetch(`http://127.0.0.1:${port}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
  });

  test("the printed one-click URL logs in and redirects to /", async () => {
    home = makeTempHome();
    await startConsole();
    const [url] = await child!.waitFor(/http:\/\/localhost:\d+\/\?token=[0-9a-f]{64}/);
    const res = await fetch(url.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.getSetCookie()[0]).toContain("picoclaw_session=");
  });

  test("plain picoclaw logs one line with the dashboard URL and the token file, never the token", async () => {
    home = makeTempHome();
    child = startBinary(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
    const port = await child.launcherPort();
    const [line] = await child.waitFor(/^.*dashboard ready .*$/m);
    expect(line).toContain(`url=http://localhost:${port}/`);
    expect(line).toContain(`launcher_token_file=${home.file("launcher-config.json")}`);
    const token = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(logText()).toContain(line);
    for (const text of [child.stdout(), child.stderr(), logText()]) expect(text).not.toContain(token);
    expect(child.stdout()).toBe("");
  });

  test("plain picoclaw names PICOCLAW_LAUNCHER_TOKEN when the token comes from there", async () => {
    home = makeTempHome();
    const token = "env-launcher-token-0123456789abcdef";
    child = startBinary(
      ["--port", "0"],
      childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0", PICOCLAW_LAUNCHER_TOKEN: token }),
    );
    const [line] = await child.waitFor(/^.*dashboard ready .*$/m);
    expect(line).toContain("launcher_token_env=PICOCLAW_LAUNCHER_TOKEN");
    for (const text of [child.stdout(), child.stderr(), logText()]) expect(text).not.toContain(token);
  });

  test("exits 1 naming the port and how to change it when the launcher port is in use", async () => {
    home = makeTempHome();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      child = startBinary(
        ["--port", String(blocker.port)],
        childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }),
      );
      expect(await child.proc.exited).toBe(1);
      expect(child.stderr()).toContain(`127.0.0.1:${blocker.port}`);
      expect(child.stderr()).toContain("--port");
    } finally {
      blocker.stop(true);
    }
  });

  test("writes no launcher token when the launcher port is in use: launcher-config.json absent before and after", async () => {
    home = makeTempHome();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      expect(existsSync(home.file("launcher-config.json"))).toBe(false);
      child = startBinary(
        ["--console", "--port", String(blocker.port)],
        childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }),
      );
      expect(await child.proc.exited).toBe(1);
      expect(child.stderr()).toContain("the port is in use");
      expect(existsSync(home.file("launcher-config.json"))).toBe(false);
      expect(child.stdout()).not.toMatch(/[0-9a-f]{64}/);
    } finally {
      blocker.stop(true);
    }
  });
});

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { childEnv } from "./helpers/binary.ts";
import { perTest } from "./helpers/per_test.ts";
import type { TempHome } from "./helpers/temp_home.ts";

const each = perTest();

function logText(home: TempHome): string {
  return readFileSync(home.file("logs/launcher.log"), "utf8");
}

describe("launcher token resolution (process)", () => {
  test("makes a random 64-hex token, stores it 0600 with generated true, prints it, logs only the source", async () => {
    const home = each.home();
    const { child, port } = await each.startConsole(home.path);
    const stored = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8"));
    expect(stored.launcher_token).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.generated).toBe(true);
    expect(stored.public).toBe(false);
    expect(statSync(home.file("launcher-config.json")).mode & 0o777).toBe(0o600);
    const stdout = child.stdout();
    expect(stdout).toContain(`Launcher token: ${stored.launcher_token}`);
    expect(stdout).toContain(`http://localhost:${port}/?token=${stored.launcher_token}`);
    expect(logText(home)).toContain("launcher token resolved source=random");
    expect(logText(home)).not.toContain(stored.launcher_token);
    expect(child.stderr()).not.toContain(stored.launcher_token);
  });

  test("keeps the stored token across a restart (source config)", async () => {
    const home = each.home();
    let { child } = await each.startConsole(home.path);
    const first = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token;
    expect(await child.stop()).toBe(0);
    ({ child } = await each.startConsole(home.path));
    expect(JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token).toBe(first);
    expect(child.stdout()).toContain(`Launcher token: ${first}`);
    expect(logText(home)).toContain("launcher token resolved source=config");
  });

  test("uses PICOCLAW_LAUNCHER_TOKEN without ever echoing it", async () => {
    const home = each.home();
    const token = "env-launcher-token-0123456789abcdef";
    const { child, port } = await each.startConsole(home.path, { PICOCLAW_LAUNCHER_TOKEN: token });
    expect(child.stdout()).toContain("token from PICOCLAW_LAUNCHER_TOKEN");
    for (const text of [child.stdout(), child.stderr(), logText(home)]) expect(text).not.toContain(token);
    expect(logText(home)).toContain("launcher token resolved source=env");
    expect(existsSync(home.file("launcher-config.json"))).toBe(false);
    const res = await fetch(`http://127.0.0.1:${port}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
  });

  test("the printed one-click URL logs in and redirects to /", async () => {
    const home = each.home();
    const { child } = await each.startConsole(home.path);
    const [url] = await child.waitFor(/http:\/\/localhost:\d+\/\?token=[0-9a-f]{64}/);
    const res = await fetch(url.replace("localhost", "127.0.0.1"), { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.getSetCookie()[0]).toContain("picoclaw_session=");
  });

  test("plain picoclaw logs one line with the dashboard URL and the token file, never the token", async () => {
    const home = each.home();
    const child = each.start(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
    const port = await child.launcherPort();
    const [line] = await child.waitFor(/^.*dashboard ready .*$/m);
    expect(line).toContain(`url=http://localhost:${port}/`);
    expect(line).toContain(`launcher_token_file=${home.file("launcher-config.json")}`);
    const token = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8")).launcher_token;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(logText(home)).toContain(line);
    for (const text of [child.stdout(), child.stderr(), logText(home)]) expect(text).not.toContain(token);
    expect(child.stdout()).toBe("");
  });

  test("plain picoclaw names PICOCLAW_LAUNCHER_TOKEN when the token comes from there", async () => {
    const home = each.home();
    const token = "env-launcher-token-0123456789abcdef";
    const child = each.start(
      ["--port", "0"],
      childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0", PICOCLAW_LAUNCHER_TOKEN: token }),
    );
    const [line] = await child.waitFor(/^.*dashboard ready .*$/m);
    expect(line).toContain("launcher_token_env=PICOCLAW_LAUNCHER_TOKEN");
    for (const text of [child.stdout(), child.stderr(), logText(home)]) expect(text).not.toContain(token);
  });

  test("exits 1 naming the port and how to change it when the launcher port is in use", async () => {
    const home = each.home();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      const child = each.start(
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
    const home = each.home();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      expect(existsSync(home.file("launcher-config.json"))).toBe(false);
      const child = each.start(
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

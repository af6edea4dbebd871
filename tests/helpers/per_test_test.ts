import { describe, expect, test } from "bun:test";
import { existsSync, realpathSync } from "node:fs";
import { childEnv, type RunningBinary } from "./binary.ts";
import { perTest } from "./per_test.ts";
import type { TempHome } from "./temp_home.ts";

const each = perTest();

// The second test looks at what the first one left: bun runs the tests of a file in order.
let opened: { homes: TempHome[]; child: RunningBinary } | undefined;
let consoleChild: RunningBinary | undefined;

describe("perTest()", () => {
  test("makes homes and starts the binary in one", async () => {
    const homes = [each.home(), each.home({ "config.json": "{}" })];
    expect(homes.map((home) => existsSync(home.path))).toEqual([true, true]);
    const child = each.start(["--port", "0"], childEnv(homes[0].path, { PICOCLAW_GATEWAY_PORT: "0" }));
    expect(Number(await child.launcherPort())).toBeGreaterThan(0);
    opened = { homes, child };
  });

  test("stops the binary and removes the homes after the test that opened them", () => {
    expect(opened).toBeDefined();
    expect(opened!.child.proc.exitCode).not.toBeNull();
    expect(opened!.homes.map((home) => existsSync(home.path))).toEqual([false, false]);
  });

  test("passes the command and its working directory through", async () => {
    const home = each.home();
    const child = each.start(["-c", "pwd; exec sleep 30"], childEnv(home.path), ["/bin/sh"], { cwd: home.path });
    const [line] = await child.waitFor(/^.+$/m);
    expect(line).toBe(realpathSync(home.path));
  });

  test("starts the binary with --console", async () => {
    const started = await each.startConsole(each.home().path);
    expect(started.port).toBeGreaterThan(0);
    expect(started.child.stdout()).toContain(`Launcher token: ${started.token}`);
    consoleChild = started.child;
  });

  test("stops the --console binary after the test that started it", () => {
    expect(consoleChild).toBeDefined();
    expect(consoleChild!.proc.exitCode).not.toBeNull();
  });
});

import { afterEach } from "bun:test";
import {
  BINARY,
  type BinaryCommand,
  type ConsoleProcess,
  type RunningBinary,
  startBinary,
  startConsoleBinary,
} from "./binary.ts";
import { makeTempHome, type TempHome } from "./temp_home.ts";

/** Temp homes and running binaries that a test file's tests open; see {@link perTest}. */
export interface PerTest {
  /** Makes a temp home like {@link makeTempHome}; it is removed after the test. */
  home(files?: Record<string, string>): TempHome;
  /** Starts the binary like {@link startBinary} (same `binary` and `options.cwd`); it is stopped after the test. */
  start(args: string[], env: Record<string, string>, binary?: BinaryCommand, options?: { cwd?: string }): RunningBinary;
  /** Starts `picoclaw --console` in `home` like {@link startConsoleBinary}; its child is stopped after the test. */
  startConsole(home: string, env?: Record<string, string>): Promise<ConsoleProcess>;
}

/**
 * Registers an `afterEach` that stops every binary a test started through it, then removes every
 * temp home it made, so a failing test leaves no process or directory behind.
 *
 * @returns The makers to call inside the tests.
 * @example
 * const each = perTest();
 * test("starts", async () => {
 *   const home = each.home();
 *   const child = each.start(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
 *   await child.launcherPort();
 * });
 */
export function perTest(): PerTest {
  const homes: TempHome[] = [];
  const children: RunningBinary[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await child.stop();
    for (const home of homes.splice(0)) home.remove();
  });
  return {
    home: (files = {}) => {
      const home = makeTempHome(files);
      homes.push(home);
      return home;
    },
    start: (args, env, binary = BINARY, options = {}) => {
      const child = startBinary(args, env, binary, options);
      children.push(child);
      return child;
    },
    startConsole: async (home, env = {}) => {
      const started = await startConsoleBinary(home, env);
      children.push(started.child);
      return started;
    },
  };
}

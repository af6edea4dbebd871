import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeTempHome, type TempHome } from "./temp_home.ts";

/** The compiled binary under test; `make test` builds it first. */
export const BINARY = join(import.meta.dir, "..", "..", "dist", "picoclaw");

function ensureBinary(): void {
  if (!existsSync(BINARY)) throw new Error(`Cannot find ${BINARY}: run "make build" first`);
}

/** A clean environment for the child: no PICOCLAW_* from the developer's shell. */
export function childEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, PICOCLAW_HOME: home, ...extra };
}

/** The outcome of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command that runs a binary: a path, or a prefix such as `qemu-aarch64-static -L ... picoclaw`. */
export type BinaryCommand = string | string[];

function commandOf(binary: BinaryCommand): string[] {
  if (binary === BINARY) ensureBinary();
  return Array.isArray(binary) ? binary : [binary];
}

/** Runs `picoclaw args...` to completion. */
export async function runBinary(
  args: string[],
  env: Record<string, string>,
  binary: BinaryCommand = BINARY,
): Promise<RunResult> {
  const proc = Bun.spawn([...commandOf(binary), ...args], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** A long-running `picoclaw` child whose output is collected as it comes. */
export interface RunningBinary {
  proc: ReturnType<typeof Bun.spawn>;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout or stderr matches, and returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Waits for the "gateway listening" log line and returns the gateway's port. */
  gatewayPort(timeoutMs?: number): Promise<number>;
  /** Waits for the "launcher listening" log line and returns the dashboard's port. */
  launcherPort(timeoutMs?: number): Promise<number>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

async function collect(stream: ReadableStream<Uint8Array>, into: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    into.text += decoder.decode(value, { stream: true });
  }
}

/** Starts `picoclaw args...` in the background (in `options.cwd`, default the test's own directory). */
export function startBinary(
  args: string[],
  env: Record<string, string>,
  binary: BinaryCommand = BINARY,
  options: { cwd?: string } = {},
): RunningBinary {
  const proc = Bun.spawn([...commandOf(binary), ...args], {
    env,
    cwd: options.cwd,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const out = { text: "" };
  const err = { text: "" };
  void collect(proc.stdout as ReadableStream<Uint8Array>, out);
  void collect(proc.stderr as ReadableStream<Uint8Array>, err);
  const running: RunningBinary = {
    proc,
    stdout: () => out.text,
    stderr: () => err.text,
    gatewayPort: async (timeoutMs) =>
      Number((await running.waitFor(/gateway listening host=\S+ port=(\d+)/, timeoutMs))[1]),
    launcherPort: async (timeoutMs) =>
      Number((await running.waitFor(/launcher listening host=\S+ port=(\d+)/, timeoutMs))[1]),
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = out.text.match(pattern) ?? err.text.match(pattern);
        if (match) return match;
        if (proc.exitCode !== null || Date.now() > deadline) {
          throw new Error(`Did not see ${pattern} (exit ${proc.exitCode}); stderr:\n${err.text}\nstdout:\n${out.text}`);
        }
        await Bun.sleep(20);
      }
    },
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null) proc.kill(signal);
      return await proc.exited;
    },
  };
  return running;
}

/** A `picoclaw gateway` child in its own temp home. */
export interface GatewayProcess {
  child: RunningBinary;
  home: TempHome;
  port: number;
  /** Stops the child (SIGTERM) and removes the home; returns the exit code. */
  stop(): Promise<number>;
}

/** Starts `picoclaw gateway` in a fresh temp home on a free port, with `env` on top. */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const home = makeTempHome();
  const child = startBinary(["gateway"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0", ...env }));
  const port = await child.gatewayPort();
  return {
    child,
    home,
    port,
    stop: async () => {
      const code = await child.stop();
      home.remove();
      return code;
    },
  };
}

/** A `picoclaw --console` child on free ports, once its console text is out. */
export interface ConsoleProcess {
  child: RunningBinary;
  /** The dashboard's port. */
  port: number;
  /** The printed launcher token, or "" when it comes from PICOCLAW_LAUNCHER_TOKEN. */
  token: string;
}

/**
 * Starts `picoclaw --console --port 0` (gateway on port 0 too) in `home` and waits until the
 * console has printed the dashboard URL and the gateway line. A child that fails to get there
 * is stopped before the error is thrown.
 */
export async function startConsoleBinary(home: string, env: Record<string, string> = {}): Promise<ConsoleProcess> {
  const child = startBinary(["--console", "--port", "0"], childEnv(home, { PICOCLAW_GATEWAY_PORT: "0", ...env }));
  try {
    const [, port] = await child.waitFor(/Dashboard:\s+http:\/\/localhost:(\d+)\//);
    await child.waitFor(/Gateway:/);
    const token = child.stdout().match(/Launcher token: ([0-9a-f]{64})/)?.[1] ?? "";
    return { child, port: Number(port), token };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

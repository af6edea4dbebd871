import { existsSync } from "node:fs";

/** Debian's `redis-server` (package `redis-server`). */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** Whether Debian's redis-server is installed. */
export function hasRedisServer(): boolean {
  return existsSync(REDIS_SERVER);
}

/** A throwaway `redis-server` on a loopback port, without persistence. */
export interface RedisServer {
  port: number;
  /** `redis://:<password>@127.0.0.1:<port>` */
  url: string;
  /** The `requirepass` it was started with (tests check it never shows). */
  password: string;
  /** Kills it with SIGKILL (mid-run failure) and waits for the exit. */
  kill(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Starts it again on the same port (empty: nothing was saved). */
  restart(): Promise<void>;
  /** Stops it (SIGTERM) for good. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound once and released). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function spawnRedis(port: number, password: string): Promise<ReturnType<typeof Bun.spawn>> {
  const proc = Bun.spawn([
    REDIS_SERVER,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    "--requirepass",
    password,
  ], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const decoder = new TextDecoder();
  let out = "";
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const deadline = Date.now() + 10_000;
  while (!out.includes("Ready to accept connections")) {
    const read = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => null)]);
    if (!read || read.done) {
      proc.kill("SIGKILL");
      throw new Error(`Cannot start redis-server on port ${port}: ${out}`);
    }
    out += decoder.decode(read.value, { stream: true });
  }
  // Keep draining so a full pipe never blocks the server.
  void (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return proc;
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save "" --appendonly no` with a random
 * `requirepass` and waits until it accepts connections.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  const password = `pw-${crypto.randomUUID()}`;
  let proc = await spawnRedis(port, password);
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    pause: () => proc.kill("SIGSTOP"),
    resume: () => proc.kill("SIGCONT"),
    restart: async () => {
      proc = await spawnRedis(port, password);
    },
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Shared bits of the benchmarks: child processes, RSS, percentiles, printing. */

import { readFileSync } from "node:fs";

/** A server child process and the port it printed. */
export interface ServerProcess {
  proc: ReturnType<typeof Bun.spawn>;
  port: number;
  stop(): Promise<void>;
}

/** Calls `onText` with everything a child writes to stdout and stderr, as it comes. */
export function collectOutput(proc: ReturnType<typeof Bun.spawn>, onText: (text: string) => void): void {
  const decoder = new TextDecoder();
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onText(decoder.decode(value, { stream: true }));
    }
  };
  void read(proc.stdout as ReadableStream<Uint8Array>);
  void read(proc.stderr as ReadableStream<Uint8Array>);
}

/** Starts a child and waits for `pattern` (with one port group) on stdout or stderr. */
export async function startServer(cmd: string[], env: Record<string, string>, pattern: RegExp): Promise<ServerProcess> {
  const proc = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "pipe" });
  let seen = "";
  collectOutput(proc, (text) => (seen += text));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = seen.match(pattern);
    if (match) {
      return {
        proc,
        port: Number(match[1]),
        stop: async () => {
          proc.kill("SIGTERM");
          await proc.exited;
        },
      };
    }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`Server did not start: ${seen}`);
    await Bun.sleep(20);
  }
}

/** Resident set size of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0);
  return kb * 1024;
}

/** The p-th percentile (0-100) of sorted samples. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Formats a number with a fixed number of decimals. */
export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Prints rows as an aligned text table. */
export function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

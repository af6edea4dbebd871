import { Counter, Gauge, Registry } from "prom-client";
import { CountingHistogram } from "./counting_histogram.ts";

/**
 * Frame counts kept as plain numbers on the hot path; the Prometheus counters read them
 * when `/metrics` is scraped, so counting a frame costs one addition.
 */
export interface FrameCounts {
  in: number;
  out: number;
}

/** The process's Prometheus metrics (SPEC §3.4), on a private registry. */
export interface Metrics {
  registry: Registry;
  /** Open Pico WebSocket connections (gateway and dashboard). */
  connections: Gauge;
  /** Frames received and sent; increment the fields directly. */
  frames: FrameCounts;
  /** Failed authentications, by `reason`. */
  authFailures: Counter<"reason">;
  /** Seconds from a chat request to the end of the agent's reply. */
  agentLatency: CountingHistogram;
  /** Launcher login attempts, by `result` (`ok`, `invalid_token`, `rate_limited`). */
  loginAttempts: Counter<"result">;
}

/** Creates the metrics on a fresh registry (one per process, or per test). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const frames: FrameCounts = { in: 0, out: 0 };
  const counterOf = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counterOf("picoclaw_pico_frames_in_total", "Pico frames received", () => frames.in);
  counterOf("picoclaw_pico_frames_out_total", "Pico frames sent", () => frames.out);
  return {
    registry,
    connections: new Gauge({ name: "picoclaw_pico_connections", help: "Open Pico WebSocket connections", registers }),
    frames,
    authFailures: new Counter({
      name: "picoclaw_auth_failures_total",
      help: "Failed authentications by reason",
      labelNames: ["reason"],
      registers,
    }),
    agentLatency: new CountingHistogram(
      "picoclaw_agent_latency_seconds",
      "Time from a chat request to the end of the agent's reply",
      [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registry,
    ),
    loginAttempts: new Counter({
      name: "picoclaw_launcher_login_attempts_total",
      help: "Launcher login attempts by result",
      labelNames: ["result"],
      registers,
    }),
  };
}

/**
 * @module
 * Gateway benchmark (`make bench`): in one run, against (a) the product's gateway
 * (`dist/picoclaw gateway`, echo agent), (b) a bare `Bun.serve` WebSocket echo
 * (`bench/bare_echo_server.ts`) and, for scale, (c) a bare server sending the protocol's
 * three frames per message (`bench/bare_three_frame_server.ts`) and (d) the gateway with chat
 * history off (`history.enabled: false`, to show what storing every message costs), measures:
 *  - closed-loop round trips `message.send` → `message.create` with 50 connections for 10 s
 *    (throughput, p50, p99 latency);
 *  - server RSS growth with 5 000 idle (authenticated) connections.
 * Prints the figures and the ratio product/bare.
 *
 * Flags: --seconds N (default 10), --connections N (default 50), --idle N (default 5000).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuSeconds, fmt, percentile, printTable, rssBytes, type ServerProcess, startServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    idle: { type: "string", default: "5000" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const IDLE = Number(values.idle);
const TOKEN = "bench-token-0123456789abcdef0123456789abcdef";
const ROOT = join(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "picoclaw");
const MESSAGE = JSON.stringify({ type: "message.send", id: "1", payload: { content: "hello benchmark" } });

interface Target {
  name: string;
  start(): Promise<ServerProcess>;
  url: (port: number) => string;
  headers: Record<string, string>;
  isReply: (data: string) => boolean;
}

/** The product's gateway in its own home; `history` false turns chat history off. */
function gatewayTarget(name: string, history: boolean): Target {
  const home = mkdtempSync(join(tmpdir(), "picoclaw-bench-"));
  homes.push(home);
  return {
    name,
    start: () =>
      startServer([BINARY, "gateway"], {
        PATH: process.env.PATH ?? "",
        HOME: home,
        PICOCLAW_HOME: home,
        PICOCLAW_HISTORY_ENABLED: String(history),
        PICOCLAW_GATEWAY_PORT: "0",
        PICOCLAW_CHANNELS_PICO_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
        PICOCLAW_CHANNELS_PICO_MAX_CONNECTIONS: String(IDLE + 1000),
        // The per-connection frame limit (20/s) would cap a closed loop; the bench measures the path.
        PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0",
      }, /gateway listening host=\S+ port=(\d+)/),
    url: (port) => `ws://127.0.0.1:${port}/pico`,
    headers: { authorization: `Bearer ${TOKEN}` },
    isReply: (data) => data.startsWith('{"type":"message.create"'),
  };
}

const homes: string[] = [];
const targets: Target[] = [
  {
    name: "bare Bun.serve echo",
    start: () =>
      startServer(
        [process.execPath, join(ROOT, "bench", "bare_echo_server.ts")],
        { PATH: process.env.PATH ?? "" },
        /port=(\d+)/,
      ),
    url: (port) => `ws://127.0.0.1:${port}/`,
    headers: {},
    isReply: () => true,
  },
  {
    name: "bare 3-frame echo",
    start: () =>
      startServer(
        [process.execPath, join(ROOT, "bench", "bare_three_frame_server.ts")],
        { PATH: process.env.PATH ?? "" },
        /port=(\d+)/,
      ),
    url: (port) => `ws://127.0.0.1:${port}/`,
    headers: {},
    isReply: (data) => data.startsWith('{"type":"message.create"'),
  },
  gatewayTarget("picoclaw gateway", true),
  gatewayTarget("picoclaw gateway, history off", false),
];

/** Opens `n` sockets, `batch` at a time. */
async function openSockets(target: Target, port: number, n: number, batch = 250): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(target.url(port), { headers: target.headers } as never);
          ws.onopen = () => resolve(ws);
          ws.onerror = () => reject(new Error("connect failed"));
        })),
    );
    sockets.push(...opened);
  }
  return sockets;
}

async function closeSockets(sockets: WebSocket[]): Promise<void> {
  for (const ws of sockets) ws.close();
  await Bun.sleep(500);
}

/** Closed loop: each socket sends, waits for the reply, sends again. Returns round trips/s and latencies (ms). */
async function roundTrips(target: Target, port: number, seconds: number, pid: number) {
  const sockets = await openSockets(target, port, CONNECTIONS);
  let samples = new Float64Array(1 << 20);
  let count = 0;
  let recording = false;
  let running = true;
  for (const ws of sockets) {
    let sentAt = 0;
    const send = () => {
      sentAt = performance.now();
      ws.send(MESSAGE);
    };
    ws.onmessage = (event) => {
      if (!target.isReply(event.data as string)) return;
      if (recording) {
        if (count === samples.length) {
          const grown = new Float64Array(samples.length * 2);
          grown.set(samples);
          samples = grown;
        }
        samples[count++] = performance.now() - sentAt;
      }
      if (running) send();
    };
    send();
  }
  await Bun.sleep(1000); // warm-up, not recorded
  recording = true;
  const started = performance.now();
  const serverCpu0 = cpuSeconds(pid);
  const clientCpu0 = process.cpuUsage();
  await Bun.sleep(seconds * 1000);
  recording = false;
  const elapsed = (performance.now() - started) / 1000;
  const serverCpu = (cpuSeconds(pid) - serverCpu0) / elapsed;
  const clientUsage = process.cpuUsage(clientCpu0);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6 / elapsed;
  running = false;
  await closeSockets(sockets);
  const sorted = samples.slice(0, count).sort();
  return {
    perSecond: count / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    serverCpu,
    clientCpu,
  };
}

/** RSS growth of the server with `IDLE` open idle sockets, per connection in bytes. */
async function idleMemory(target: Target, server: ServerProcess) {
  const warm = await openSockets(target, server.port, 100);
  await closeSockets(warm);
  await Bun.sleep(500);
  const before = rssBytes(server.proc.pid);
  const sockets = await openSockets(target, server.port, IDLE);
  await Bun.sleep(2000);
  const after = rssBytes(server.proc.pid);
  await closeSockets(sockets);
  return { before, after, perConnection: (after - before) / IDLE };
}

/** Runs `measure` against a fresh server process of `target`. */
async function withServer<T>(target: Target, measure: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await target.start();
  try {
    return await measure(server);
  } finally {
    await server.stop();
  }
}

const ROUNDS = 2;
const results = targets.map((t) => ({ name: t.name, trips: [] as Awaited<ReturnType<typeof roundTrips>>[] }));
let memory: Awaited<ReturnType<typeof idleMemory>>[] = [];
try {
  // Alternate the targets over rounds so drift on a shared machine hits them alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, target] of targets.entries()) {
      results[i].trips.push(await withServer(target, (s) => roundTrips(target, s.port, SECONDS, s.proc.pid)));
    }
  }
  memory = [];
  for (const target of targets) memory.push(await withServer(target, (s) => idleMemory(target, s)));
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = results.map((r, i) => ({
  name: r.name,
  perSecond: mean(r.trips.map((t) => t.perSecond)),
  p50: mean(r.trips.map((t) => t.p50)),
  p99: mean(r.trips.map((t) => t.p99)),
  serverCpu: mean(r.trips.map((t) => t.serverCpu)),
  clientCpu: mean(r.trips.map((t) => t.clientCpu)),
  ...memory[i],
}));

const [bare, threeFrames, product, historyOff] = summary;
console.log(
  `\nGateway benchmark: ${CONNECTIONS} connections, ${SECONDS} s closed loop (mean of ${ROUNDS} rounds); ` +
    `${IDLE} idle connections for RSS.\n`,
);
printTable([
  [
    "server",
    "round trips/s",
    "p50 ms",
    "p99 ms",
    "server CPU",
    "server µs/trip",
    "client CPU",
    "RSS idle MB",
    `RSS +${IDLE} MB`,
    "B/conn",
  ],
  ...summary.map((r) => [
    r.name,
    fmt(r.perSecond, 0),
    fmt(r.p50, 3),
    fmt(r.p99, 3),
    `${fmt(r.serverCpu * 100, 0)}%`,
    fmt((r.serverCpu / r.perSecond) * 1e6, 2),
    `${fmt(r.clientCpu * 100, 0)}%`,
    fmt(r.before / 1048576),
    fmt(r.after / 1048576),
    fmt(r.perConnection, 0),
  ]),
]);
const throughputRatio = product.perSecond / bare.perSecond;
const p99Ratio = product.p99 / bare.p99;
console.log(`\nthroughput ratio product/bare: ${fmt(throughputRatio, 2)} (target >= 0.90)`);
console.log(`p99 ratio product/bare:        ${fmt(p99Ratio, 2)} (target <= 1.20)`);
console.log(
  `history on/off:                ${fmt(product.perSecond / historyOff.perSecond, 2)} (target >= 0.90; ` +
    `p99 ${fmt(product.p99, 3)} vs ${fmt(historyOff.p99, 3)} ms)`,
);
console.log(`idle RSS per connection:       ${fmt(product.perConnection / 1024, 2)} KB (target <= 8 KB)`);
console.log(
  `for scale, bare 3-frame echo/bare: throughput ${fmt(threeFrames.perSecond / bare.perSecond, 2)}, ` +
    `p99 ${fmt(threeFrames.p99 / bare.p99, 2)}; product/bare 3-frame: throughput ` +
    `${fmt(product.perSecond / threeFrames.perSecond, 2)}, p99 ${fmt(product.p99 / threeFrames.p99, 2)}`,
);

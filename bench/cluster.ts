/**
 * @module
 * Cluster benchmark (SPEC §9): Debian's `redis-server` on a loopback port and
 * `dist/picoclaw gateway` processes (echo agent), in one run:
 *  - a session with two sockets: one sends `message.send`, the clock stops when the OTHER socket
 *    gets the `message.create`; closed loop over `--pairs` sessions for `--seconds`. Three
 *    setups: no cluster (both sockets on one process), cluster with both sockets on one
 *    instance, cluster with the sockets on two instances (the frames cross Redis pub/sub);
 *  - the cost of `cluster.redis_url` for sessions on one instance: the gateway benchmark's
 *    loop (`--connections` sockets, each its own session, reply to the sender) without and
 *    with a cluster (target: at most 10 % fewer round trips/s), with history on (SQLite vs
 *    Redis) and off (the bus and the lease alone).
 * Prints msg/s, p50 and p99 of each, and the ratios.
 *
 * Flags: --seconds N (default 5), --pairs N (default 25), --connections N (default 50), --rounds N (default 2).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRedisServer } from "../tests/helpers/redis_server.ts";
import { fmt, percentile, printTable, type ServerProcess, startServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    pairs: { type: "string", default: "25" },
    connections: { type: "string", default: "50" },
    rounds: { type: "string", default: "2" },
  },
});
const SECONDS = Number(values.seconds);
const PAIRS = Number(values.pairs);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const TOKEN = "bench-token-0123456789abcdef0123456789abcdef";
const BINARY = join(import.meta.dir, "..", "dist", "picoclaw");
const MESSAGE = JSON.stringify({ type: "message.send", id: "1", payload: { content: "hello benchmark" } });
const isReply = (data: string) => data.startsWith('{"type":"message.create"');

const redis = await startRedisServer();

/** A gateway in its own home; `cluster` sets `cluster.redis_url`, `history: false` turns history off. */
function startGateway(cluster: boolean, history = true): Promise<ServerProcess & { home: string }> {
  const home = mkdtempSync(join(tmpdir(), "picoclaw-bench-cluster-"));
  return startServer([BINARY, "gateway"], {
    PATH: process.env.PATH ?? "",
    HOME: home,
    PICOCLAW_HOME: home,
    PICOCLAW_GATEWAY_PORT: "0",
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
    PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0",
    ...(cluster ? { PICOCLAW_CLUSTER_REDIS_URL: redis.url } : {}),
    ...(history ? {} : { PICOCLAW_HISTORY_ENABLED: "false" }),
  }, /gateway listening host=\S+ port=(\d+)/).then((server) => ({
    ...server,
    home,
    stop: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  }));
}

function open(port: number, session: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/pico?session_id=${session}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    } as never);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("connect failed"));
  });
}

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Closed loop over `loops` (sender, receiver) pairs: the sender sends, the receiver's
 * `message.create` stops the clock and triggers the next send.
 */
async function closedLoop(loops: [WebSocket, WebSocket][]): Promise<Figures> {
  const samples: number[] = [];
  let recording = false;
  let running = true;
  for (const [sender, receiver] of loops) {
    let sentAt = 0;
    const send = () => {
      sentAt = performance.now();
      sender.send(MESSAGE);
    };
    receiver.onmessage = (event) => {
      if (!isReply(event.data as string)) return;
      if (recording) samples.push(performance.now() - sentAt);
      if (running) send();
    };
    send();
  }
  await Bun.sleep(1000); // warm-up
  recording = true;
  const started = performance.now();
  await Bun.sleep(SECONDS * 1000);
  recording = false;
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  for (const [a, b] of loops) {
    a.close();
    if (b !== a) b.close();
  }
  await Bun.sleep(300);
  const sorted = Float64Array.from(samples).sort();
  return { perSecond: samples.length / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** A session with two sockets per pair: on instances `ports[0]` and `ports[1]` (the same port = same instance). */
async function pairs(ports: [number, number], tag: string): Promise<Figures> {
  const loops: [WebSocket, WebSocket][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const session = `${tag}-${i}-${crypto.randomUUID()}`;
    loops.push([await open(ports[0], session), await open(ports[1], session)]);
  }
  await Bun.sleep(200); // subscriptions settle
  return await closedLoop(loops);
}

/** The gateway benchmark's loop: each socket its own session, the reply to the sender. */
async function single(port: number): Promise<Figures> {
  const loops: [WebSocket, WebSocket][] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const ws = await open(port, `single-${i}-${crypto.randomUUID()}`);
    loops.push([ws, ws]);
  }
  return await closedLoop(loops);
}

const setups: { name: string; run: () => Promise<Figures> }[] = [
  {
    name: "pair, no cluster (one process)",
    run: async () => {
      const g = await startGateway(false);
      try {
        return await pairs([g.port, g.port], "local");
      } finally {
        await g.stop();
      }
    },
  },
  {
    name: "pair, cluster, same instance",
    run: async () => {
      const [a, b] = await Promise.all([startGateway(true), startGateway(true)]);
      try {
        return await pairs([a.port, a.port], "same");
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
  },
  {
    name: "pair, cluster, two instances",
    run: async () => {
      const [a, b] = await Promise.all([startGateway(true), startGateway(true)]);
      try {
        return await pairs([a.port, b.port], "cross");
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
  },
  {
    name: `${CONNECTIONS} sessions, no cluster`,
    run: async () => {
      const g = await startGateway(false);
      try {
        return await single(g.port);
      } finally {
        await g.stop();
      }
    },
  },
  {
    name: `${CONNECTIONS} sessions, cluster (one instance used)`,
    run: async () => {
      const [a, b] = await Promise.all([startGateway(true), startGateway(true)]);
      try {
        return await single(a.port);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
  },
  {
    name: `${CONNECTIONS} sessions, no cluster, history off`,
    run: async () => {
      const g = await startGateway(false, false);
      try {
        return await single(g.port);
      } finally {
        await g.stop();
      }
    },
  },
  {
    name: `${CONNECTIONS} sessions, cluster, history off`,
    run: async () => {
      const [a, b] = await Promise.all([startGateway(true, false), startGateway(true, false)]);
      try {
        return await single(a.port);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
  },
];

const results = setups.map(() => [] as Figures[]);
try {
  // Alternate the setups over rounds so drift on a shared machine hits them alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, setup] of setups.entries()) results[i].push(await setup.run());
  }
} finally {
  await redis.stop();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = results.map((rounds, i) => ({
  name: setups[i].name,
  perSecond: mean(rounds.map((r) => r.perSecond)),
  p50: mean(rounds.map((r) => r.p50)),
  p99: mean(rounds.map((r) => r.p99)),
}));
console.log(
  `\nCluster benchmark: ${PAIRS} two-socket sessions / ${CONNECTIONS} single-socket sessions, ` +
    `${SECONDS} s closed loop, mean of ${ROUNDS} rounds; echo agent; local redis-server.\n`,
);
printTable([
  ["setup", "msg/s", "p50 ms", "p99 ms"],
  ...summary.map((r) => [r.name, fmt(r.perSecond, 0), fmt(r.p50, 3), fmt(r.p99, 3)]),
]);
const [local, same, cross, plain, clustered, plainOff, clusteredOff] = summary;
console.log(
  `\ncross-instance/same-instance: msg/s ${fmt(cross.perSecond / same.perSecond, 2)}, p99 ${
    fmt(cross.p99 / same.p99, 2)
  }`,
);
console.log(
  `same instance, cluster/no cluster: msg/s ${fmt(same.perSecond / local.perSecond, 2)}, p99 ${
    fmt(same.p99 / local.p99, 2)
  }`,
);
console.log(
  `cost of redis_url for sessions on one instance: msg/s ${fmt(clustered.perSecond / plain.perSecond, 2)} ` +
    `(target >= 0.90), p99 ${fmt(clustered.p99 / plain.p99, 2)} (history: SQLite vs Redis)`,
);
console.log(
  `the same with history off (fan-out and lease only): msg/s ${fmt(clusteredOff.perSecond / plainOff.perSecond, 2)} ` +
    `(target >= 0.90), p99 ${fmt(clusteredOff.p99 / plainOff.p99, 2)}`,
);

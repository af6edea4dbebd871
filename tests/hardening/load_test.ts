import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect } from "node:net";
import { rssBytes } from "../../bench/lib.ts";
import { LoginLimiter } from "../../mod/session/mod.ts";
import { type GatewayProcess, startGatewayProcess } from "../helpers/binary.ts";
import { AUTH, openPico, startTestGateway, type TestGateway, TOKEN } from "../helpers/gateway.ts";
import { makeTestLauncher } from "../helpers/launcher.ts";
import { rawHandshake } from "../helpers/raw_ws.ts";

setDefaultTimeout(180_000);

const SLOW = Boolean(process.env.PICOCLAW_SLOW);

let gatewayProcess: GatewayProcess | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gatewayProcess?.stop();
  gatewayProcess = undefined;
  await gw?.stop();
  gw = undefined;
});

/** Starts `picoclaw gateway` with the Pico channel on, and returns its port. */
async function startPicoGateway(env: Record<string, string> = {}): Promise<number> {
  gatewayProcess = await startGatewayProcess({
    PICOCLAW_CHANNELS_PICO_ENABLED: "true",
    PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
    ...env,
  });
  return gatewayProcess.port;
}

async function connections(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: AUTH });
  return (await res.json()).pico.connections;
}

/** Opens `n` authenticated sockets, 250 at a time. */
async function openMany(port: number, n: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 250) {
    sockets.push(
      ...await Promise.all(
        Array.from({ length: Math.min(250, n - i) }, () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/pico`, { headers: AUTH } as never);
            ws.onopen = () => resolve(ws);
            ws.onerror = () => reject(new Error("connect failed"));
          })),
      ),
    );
  }
  return sockets;
}

describe("load", () => {
  test(`connections in waves (${SLOW ? "5000 for 60 s" : "3 × 1000"}) leave no leak`, async () => {
    const perWave = SLOW ? 5000 : 1000;
    const port = await startPicoGateway({ PICOCLAW_CHANNELS_PICO_MAX_CONNECTIONS: String(perWave + 100) });
    const until = Date.now() + (SLOW ? 60_000 : 0);
    let waves = 0;
    let afterFirst = 0;
    do {
      const sockets = await openMany(port, perWave);
      expect(await connections(port)).toBe(perWave);
      for (const ws of sockets) ws.close();
      const deadline = Date.now() + 15_000;
      while ((await connections(port)) > 0 && Date.now() < deadline) await Bun.sleep(100);
      expect(await connections(port)).toBe(0);
      waves++;
      if (waves === 1) afterFirst = rssBytes(gatewayProcess!.child.proc.pid);
    } while (waves < 3 || Date.now() < until);
    await Bun.sleep(1000);
    const last = rssBytes(gatewayProcess!.child.proc.pid);
    console.log(
      `waves: ${waves} × ${perWave}; RSS after the first ${afterFirst >> 20} MB, after the last ${last >> 20} MB`,
    );
    expect(last).toBeLessThan(afterFirst + 48 * 1024 * 1024);
  });

  test("max_connections is honoured exactly under a race of simultaneous handshakes", async () => {
    gw = startTestGateway({ pico: { max_connections: 50 } });
    const attempts = await Promise.all(
      Array.from({ length: 300 }, () => rawHandshake(gw!.port, "/pico", { headers: AUTH })),
    );
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 101).length).toBe(50);
    expect(statuses.filter((s) => s === 503).length).toBe(250);
    const deadline = Date.now() + 5000;
    while (gw.channel.status().connections < 50 && Date.now() < deadline) await Bun.sleep(10);
    expect(gw.channel.status().connections).toBe(50);
    for (const a of attempts) a.close();
  });

  test("a consumer that never reads does not slow other sessions' round trips by more than 20 %", async () => {
    const port = await startPicoGateway({ PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0" });
    const fast = await openPico(`ws://127.0.0.1:${port}/pico?session_id=fast`);
    const push = "p".repeat(64 * 1024);
    let pushing = true;
    // The same traffic goes to session "busy" in both phases; only its consumer differs.
    const pusher = (async () => {
      while (pushing) {
        await fetch(`http://127.0.0.1:${port}/api/messages`, {
          method: "POST",
          headers: { ...AUTH, "content-type": "application/json" },
          body: JSON.stringify({ content: push, session_id: "busy" }),
        });
        await Bun.sleep(5);
      }
    })();
    // Event-driven timing (no polling): resolve on the reply's typing.stop.
    let done: (() => void) | undefined;
    fast.socket.addEventListener("message", (event) => {
      if (String(event.data).startsWith('{"type":"typing.stop"')) done?.();
    });
    const roundTrips = async (n: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const replied = new Promise<void>((resolve) => (done = resolve));
        fast.send({ type: "message.send", id: String(i), payload: { content: "ping-pong" } });
        await replied;
        times.push(performance.now() - started);
      }
      return times;
    };
    const reading: number[] = [];
    const stuck: number[] = [];
    const blocks = SLOW ? 6 : 3;
    for (let block = 0; block < blocks; block++) {
      const reader = await openPico(`ws://127.0.0.1:${port}/pico?session_id=busy`);
      reading.push(...await roundTrips(150));
      reader.close();
      const slow = await rawHandshake(port, "/pico?session_id=busy", { headers: AUTH });
      slow.socket.pause();
      stuck.push(...await roundTrips(150));
      slow.close();
    }
    pushing = false;
    await pusher;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [withReader, withStuck] = [median(reading), median(stuck)];
    console.log(
      `round trip median: ${withReader.toFixed(3)} ms beside a reader, ${
        withStuck.toFixed(3)
      } ms beside a stuck consumer`,
    );
    // 20 %, with 0.1 ms of slack for timer noise on sub-millisecond round trips.
    expect(withStuck).toBeLessThanOrEqual(withReader * 1.2 + 0.1);
    fast.close();
  });

  test("1000 client IPs hammering /login keep the limiter's memory bounded", async () => {
    const limiter = new LoginLimiter({ maxEntries: 200 });
    const launcher = await makeTestLauncher({ serve: true, limiter });
    try {
      const post = (ip: string, token: string) =>
        new Promise<number>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port: launcher.port!, localAddress: ip });
          const body = JSON.stringify({ token });
          socket.write(
            `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
          let reply = "";
          socket.on("data", (d) => (reply += d));
          socket.on("error", reject);
          socket.on("close", () => resolve(Number(reply.split(" ")[1])));
        });
      const uniqueIps = Array.from({ length: 1000 }, (_, i) => `127.0.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`);
      expect(new Set(uniqueIps).size).toBe(1000);
      let maxSize = 0;
      for (let i = 0; i < uniqueIps.length; i += 50) {
        const statuses = await Promise.all(uniqueIps.slice(i, i + 50).map((ip) => post(ip, "wrong-token")));
        expect(statuses.every((s) => s === 401)).toBe(true);
        maxSize = Math.max(maxSize, limiter.size);
      }
      expect(maxSize).toBeLessThanOrEqual(200);
      // The limit still works for an IP that keeps guessing.
      for (let i = 0; i < 10; i++) await post("127.0.200.1", "wrong-token");
      expect(await post("127.0.200.1", launcher.token())).toBe(429);
      expect(await post("127.0.200.2", launcher.token())).toBe(200);
      expect(limiter.size).toBeLessThanOrEqual(200);
    } finally {
      await launcher.stop();
    }
  });
});

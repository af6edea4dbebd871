import { afterEach, describe, expect, test } from "bun:test";
import { type GatewayProcess, startGatewayProcess } from "./helpers/binary.ts";
import { eventually, startRemotePico } from "./helpers/remote_pico.ts";

const B_TOKEN = "gateway-b-token-0123456789abcdef";
const A_TOKEN = "gateway-a-token-0123456789abcdef";

const gateways: GatewayProcess[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.stop();
});

async function startGateway(env: Record<string, string>): Promise<number> {
  const gateway = await startGatewayProcess(env);
  gateways.push(gateway);
  return gateway.port;
}

async function status(port: number, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  return await res.json();
}

describe("Pico client (two processes)", () => {
  test("gateway A dials gateway B's /pico: A shows connected, B shows the connection", async () => {
    const portB = await startGateway({ PICOCLAW_CHANNELS_PICO_ENABLED: "true", PICOCLAW_CHANNELS_PICO_TOKEN: B_TOKEN });
    const portA = await startGateway({
      PICOCLAW_CHANNELS_PICO_TOKEN: A_TOKEN,
      PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_CLIENT_URL: `ws://127.0.0.1:${portB}/pico`,
      PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: B_TOKEN,
      PICOCLAW_CHANNELS_PICO_CLIENT_SESSION_ID: "from-a",
    });
    let a: { pico_client: { state: string; connected: boolean } } | undefined;
    await eventually(
      () => {
        void status(portA, A_TOKEN).then((s) => (a = s));
        return a?.pico_client.connected === true;
      },
      8000,
      "A connected",
    );
    expect(a!.pico_client.state).toBe("connected");
    const b = await status(portB, B_TOKEN);
    expect(b.pico).toEqual({ enabled: true, connections: 1, sessions: 1 });
    for (const gateway of gateways) {
      expect(gateway.child.stderr()).not.toContain(B_TOKEN);
      expect(gateway.child.stderr()).not.toContain(A_TOKEN);
    }
  });

  test("SIGTERM closes the client's socket with 1000 and the process exits 0", async () => {
    const remote = startRemotePico(B_TOKEN);
    try {
      await startGateway({
        PICOCLAW_CHANNELS_PICO_CLIENT_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_CLIENT_URL: remote.url,
        PICOCLAW_CHANNELS_PICO_CLIENT_TOKEN: B_TOKEN,
      });
      await eventually(() => remote.sockets.size === 1, 8000, "client connected");
      const gateway = gateways.pop()!;
      expect(await gateway.stop()).toBe(0);
      await eventually(() => remote.closes.length === 1);
      expect(remote.closes).toEqual([1000]);
    } finally {
      remote.stop();
    }
  });
});

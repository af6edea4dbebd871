import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { childEnv, runBinary, startBinary } from "../helpers/binary.ts";
import { openPico } from "../helpers/gateway.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

setDefaultTimeout(120_000);

// `make test-arm64` sets this to "qemu-aarch64-static -L /usr/aarch64-linux-gnu dist/picoclaw-linux-arm64".
const COMMAND = process.env.PICOCLAW_TEST_ARM64?.split(" ").filter((s) => s !== "");
if (!COMMAND) {
  console.warn("skipped here: `make test-arm64` runs them under qemu (`make test` does when qemu is there)");
}
const TOKEN = "arm64-pico-token-0123456789abcdef";

let home: TempHome;
afterEach(() => home?.remove());

describe.skipIf(!COMMAND)("the arm64 binary under qemu", () => {
  test("version says linux-arm64", async () => {
    home = makeTempHome();
    const result = await runBinary(["version"], childEnv(home.path), COMMAND!);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("target linux-arm64");
  });

  test("token generate prints 64 hex characters", async () => {
    home = makeTempHome();
    const result = await runBinary(["token", "generate"], childEnv(home.path), COMMAND!);
    expect(result.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  test("config check accepts a good config and names a bad one (exit 2)", async () => {
    home = makeTempHome({ "config.json": JSON.stringify({ gateway: { port: 18790 } }) });
    expect((await runBinary(["config", "check"], childEnv(home.path), COMMAND!)).stdout).toBe("config ok\n");
    home.write("config.json", '{"gateway": {"port": "x"}}');
    const bad = await runBinary(["config", "check"], childEnv(home.path), COMMAND!);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("gateway.port: expected a port number");
  });

  test("gateway answers /health and one WebSocket echo round trip, then stops cleanly", async () => {
    home = makeTempHome();
    const child = startBinary(
      ["gateway"],
      childEnv(home.path, {
        PICOCLAW_GATEWAY_PORT: "0",
        PICOCLAW_CHANNELS_PICO_ENABLED: "true",
        PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      }),
      COMMAND!,
    );
    const port = await child.gatewayPort(60_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: "ok" });
    const client = await openPico(`ws://127.0.0.1:${port}/pico`, { headers: { authorization: `Bearer ${TOKEN}` } });
    client.send({ type: "message.send", payload: { content: "hello from arm64" } });
    expect((await client.next("message.create", 30_000)).payload?.content).toBe("hello from arm64");
    client.close();
    expect(await child.stop()).toBe(0);
  });
});

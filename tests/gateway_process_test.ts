import { afterEach, describe, expect, test } from "bun:test";
import { childEnv, runBinary, startBinary } from "./helpers/binary.ts";
import { openPico } from "./helpers/gateway.ts";
import { rawHandshake } from "./helpers/raw_ws.ts";
import { makeTempHome, type TempHome } from "./helpers/temp_home.ts";

const PICO_TOKEN = "process-pico-token-0123456789abcdef";
const API_KEY = "sk-process-api-key-0123456789abcdef";

let home: TempHome;
afterEach(() => home?.remove());

describe("picoclaw gateway (process)", () => {
  test("serves /pico with the token from .security.yml and closes sockets with 1001 on SIGTERM, exit 0", async () => {
    home = makeTempHome({
      "config.json": JSON.stringify({ channels: { pico: { enabled: true } } }),
      ".security.yml": `channels:\n  pico:\n    token: ${PICO_TOKEN}\nagent:\n  api_key: ${API_KEY}\n`,
    });
    const child = startBinary(["gateway"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
    const [, port] = await child.waitFor(/gateway listening host=127\.0\.0\.1 port=(\d+)/);
    const wrong = await rawHandshake(Number(port), "/pico", { headers: { Authorization: "Bearer guessed-token-xyz" } });
    expect(wrong.status).toBe(401);
    wrong.close();
    const client = await openPico(`ws://127.0.0.1:${port}/pico?session_id=p`, {
      headers: { authorization: `Bearer ${PICO_TOKEN}` },
    });
    client.send({ type: "message.send", payload: { content: "over the binary" } });
    expect((await client.next("message.create")).payload?.content).toBe("over the binary");
    const exited = child.stop("SIGTERM");
    expect((await client.closed()).code).toBe(1001);
    const code = await Promise.race([exited, Bun.sleep(5000).then(() => "still running")]);
    expect(code).toBe(0);
    for (const secret of [PICO_TOKEN, API_KEY, "guessed-token-xyz"]) {
      expect(child.stderr()).not.toContain(secret);
      expect(child.stdout()).not.toContain(secret);
    }
  });

  test("refuses to start an enabled Pico channel without a token, even with --public: exit 2", async () => {
    home = makeTempHome();
    const result = await runBinary(
      ["gateway", "--public"],
      childEnv(home.path, { PICOCLAW_CHANNELS_PICO_ENABLED: "true", PICOCLAW_GATEWAY_PORT: "0" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("channels.pico.token");
    expect(result.stderr).toContain("picoclaw token generate");
  });
});

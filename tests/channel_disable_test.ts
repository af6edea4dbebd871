import { afterEach, describe, expect, test } from "bun:test";
import { openPico } from "./helpers/gateway.ts";
import { makeTestLauncher, picoChannelFiles, type TestLauncher } from "./helpers/launcher.ts";
import { rawHandshake } from "./helpers/raw_ws.ts";

const PICO_TOKEN = "pico-token-for-disable-test-0123456789";

let launcher: (TestLauncher & { port?: number }) | undefined;
afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
});

describe("channels.pico.enabled turned off", () => {
  test("closes public /pico and /pico/ws sockets with 1001 and leaves the dashboard's sockets open", async () => {
    launcher = await makeTestLauncher({
      serve: true,
      files: picoChannelFiles(PICO_TOKEN),
    });
    const cookie = await launcher.login();
    const origin = `http://127.0.0.1:${launcher.port}`;
    const gatewayWs = `ws://127.0.0.1:${launcher.gateway.port}`;
    const bearer = { authorization: `Bearer ${PICO_TOKEN}` };
    const publicPico = await openPico(`${gatewayWs}/pico?session_id=shared`, { headers: bearer });
    const publicAlias = await openPico(`${gatewayWs}/pico/ws?session_id=shared`, { headers: bearer });
    const dashboard = await openPico(`ws://127.0.0.1:${launcher.port}/pico/ws?session_id=shared`, {
      headers: { cookie, origin },
    });
    expect(launcher.channel.status().connections).toBe(3);

    await launcher.ctx.store.update([{ key: "channels.pico.enabled", value: false }]);

    expect((await publicPico.closed(3000)).code).toBe(1001);
    expect((await publicAlias.closed(3000)).code).toBe(1001);
    // The close frames went out together; the dashboard socket still answers and still chats.
    dashboard.send({ type: "ping", id: "still-here" });
    expect((await dashboard.next("pong", 3000)).id).toBe("still-here");
    dashboard.send({ type: "message.send", id: "q", payload: { content: "chat works with the channel off" } });
    expect((await dashboard.next("message.create", 3000)).payload?.content).toBe("chat works with the channel off");
    expect(dashboard.closeEvent).toBeUndefined();
    const deadline = Date.now() + 3000;
    while (launcher.channel.status().connections !== 1 && Date.now() < deadline) await Bun.sleep(10);
    expect(launcher.channel.status().connections).toBe(1);

    // And the public route now refuses new sockets.
    const refused = await rawHandshake(launcher.gateway.port, "/pico", { headers: bearer });
    expect(refused.status).toBe(503);
    refused.close();
    dashboard.close();
  });
});

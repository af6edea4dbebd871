import { afterEach, describe, expect, test } from "bun:test";
import { openPico } from "./helpers/gateway.ts";
import { makeTestLauncher, picoChannelFiles, type TestLauncher } from "./helpers/launcher.ts";

const PICO_TOKEN = "pico-token-for-tabs-test-0123456789";

let launcher: (TestLauncher & { port?: number }) | undefined;
afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
});

describe("one session open in several dashboard tabs", () => {
  test("the other tabs get the user's message (kind user) before its reply; the sender and public sockets do not", async () => {
    launcher = await makeTestLauncher({
      serve: true,
      files: picoChannelFiles(PICO_TOKEN),
    });
    const cookie = await launcher.login();
    const origin = `http://127.0.0.1:${launcher.port}`;
    const dashboardUrl = `ws://127.0.0.1:${launcher.port}/pico/ws?session_id=tabs`;
    const sender = await openPico(dashboardUrl, { headers: { cookie, origin } });
    const otherTab = await openPico(dashboardUrl, { headers: { cookie, origin } });
    const publicSocket = await openPico(`ws://127.0.0.1:${launcher.gateway.port}/pico?session_id=tabs`, {
      headers: { authorization: `Bearer ${PICO_TOKEN}` },
    });

    sender.send({ type: "message.send", id: "q-1", payload: { content: "hello from tab one" } });

    for (const socket of [sender, otherTab, publicSocket]) await socket.next("typing.stop", 3000);
    const creates = (frames: typeof sender.frames) =>
      frames.filter((f) => f.type === "message.create").map((f) => [f.payload?.kind ?? "reply", f.payload?.content]);
    expect(creates(otherTab.frames)).toEqual([["user", "hello from tab one"], ["reply", "hello from tab one"]]);
    expect(otherTab.frames.find((f) => f.payload?.kind === "user")?.payload?.message_id).toBe("q-1");
    expect(creates(sender.frames)).toEqual([["reply", "hello from tab one"]]);
    expect(creates(publicSocket.frames)).toEqual([["reply", "hello from tab one"]]);
    for (const socket of [sender, otherTab, publicSocket]) socket.close();
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { PicoclawError } from "../mod/errors/mod.ts";
import { startLauncherBindingFirst } from "../mod/launcher/mod.ts";
import { makeTestLauncher, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher | undefined;
afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
});

describe("startLauncherBindingFirst()", () => {
  test("does not call resolveToken when the port is taken (port_in_use)", async () => {
    launcher = await makeTestLauncher();
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    let resolved = false;
    try {
      const started = startLauncherBindingFirst(
        { ...launcher.ctx, gatewayStatus: () => ({}), host: "127.0.0.1", port: blocker.port! },
        () => {
          resolved = true;
          return Promise.resolve(launcher!.ctx.token);
        },
      );
      const err = await started.catch((e) => e);
      expect(err).toBeInstanceOf(PicoclawError);
      expect((err as PicoclawError).code).toBe("port_in_use");
      expect(resolved).toBe(false);
    } finally {
      blocker.stop(true);
    }
  });

  test("frees the port again when resolving the token fails", async () => {
    launcher = await makeTestLauncher();
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = probe.port!;
    await probe.stop(true);
    const failure = new PicoclawError("write_failed", "Cannot write launcher-config.json: read-only");
    const started = startLauncherBindingFirst(
      { ...launcher.ctx, gatewayStatus: () => ({}), host: "127.0.0.1", port },
      () => Promise.reject(failure),
    );
    expect(await started.catch((e) => e)).toBe(failure);
    const again = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("") });
    expect(again.port).toBe(port);
    await again.stop(true);
  });
});

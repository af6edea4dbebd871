import { requirement } from "../helpers/requirements.ts";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigStore, loadConfig } from "../../mod/config/mod.ts";
import { PicoclawError } from "../../mod/errors/mod.ts";
import { childEnv, runBinary, startBinary } from "../helpers/binary.ts";
import { canMountTmpfs, fillUp, mountTinyFs, unmount } from "../helpers/tmpfs.ts";

const SECURITY_YML = "# secrets\nchannels:\n  pico:\n    token: disk-test-token-0123456789\n";

const canMount = requirement(canMountTmpfs(), "the full and read-only disk tests need root to mount a small tmpfs");

let dir: string;
beforeEach(() => {
  if (!canMount) return;
  dir = mountTinyFs("256k")!;
  writeFileSync(join(dir, ".security.yml"), SECURITY_YML, { mode: 0o600 });
  writeFileSync(join(dir, "config.json"), '{ "gateway": { "port": 0 } }\n', { mode: 0o600 });
});
afterEach(() => {
  if (!canMount) return;
  unmount(dir);
});

async function rotate(): Promise<unknown> {
  const store = new ConfigStore(await loadConfig({ env: { PICOCLAW_HOME: dir } }));
  return await store.update([{ key: "channels.pico.token", value: "new-token-that-needs-space" }]).catch((e) => e);
}

describe.skipIf(!canMount)("disk full and read-only home", () => {
  test("a write on a full disk fails with write_failed saying so, and leaves the old file and no temp file", async () => {
    fillUp(dir);
    const err = await rotate();
    expect(err).toBeInstanceOf(PicoclawError);
    expect((err as PicoclawError).code).toBe("write_failed");
    expect((err as Error).message).toContain("the disk is full");
    expect((err as Error).message).toContain(".security.yml");
    expect(readFileSync(join(dir, ".security.yml"), "utf8")).toBe(SECURITY_YML);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  test("a write on a read-only file system fails saying so, and leaves the old file", async () => {
    expect(spawnSync("mount", ["-o", "remount,ro", dir]).status).toBe(0);
    const err = await rotate();
    expect((err as Error).message).toContain("the file system is read-only");
    expect(readFileSync(join(dir, ".security.yml"), "utf8")).toBe(SECURITY_YML);
  });

  test("launcher mode on a full disk exits 1 naming launcher-config.json and the cause", async () => {
    fillUp(dir);
    const result = await runBinary(["--port", "0"], childEnv(dir, { PICOCLAW_GATEWAY_PORT: "0" }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot write ${join(dir, "launcher-config.json")}: the disk is full`);
    expect(readFileSync(join(dir, ".security.yml"), "utf8")).toBe(SECURITY_YML);
  });

  test("launcher mode on a read-only home exits 1 with a clear error; the gateway alone still runs", async () => {
    expect(spawnSync("mount", ["-o", "remount,ro", dir]).status).toBe(0);
    const launcher = await runBinary(["--port", "0"], childEnv(dir, { PICOCLAW_GATEWAY_PORT: "0" }));
    expect(launcher.code).toBe(1);
    expect(launcher.stderr).toContain("logging to stderr only");
    expect(launcher.stderr).toContain("the file system is read-only");
    const gateway = startBinary(["gateway"], childEnv(dir, { PICOCLAW_GATEWAY_PORT: "0" }));
    const port = await gateway.gatewayPort();
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(await gateway.stop()).toBe(0);
  });
});

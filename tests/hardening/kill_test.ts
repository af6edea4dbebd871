import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

setDefaultTimeout(300_000);

/** `make test` kills the writer 200 times; `make test-slow` 1000 times. */
const KILLS = process.env.PICOCLAW_SLOW ? 1000 : 200;
const WRITER = join(import.meta.dir, "..", "helpers", "config_writer.ts");

const SECURITY_YML = "# secrets: keep this file 0600\nchannels:\n  pico:\n    token: token-000000 # the Pico token\n";

let home: TempHome;
afterEach(() => home?.remove());

/** Checks that each file is complete, parseable, 0600, and holds a value the writer wrote. */
function checkFiles(): void {
  const security = readFileSync(home.file(".security.yml"), "utf8");
  expect(security).toStartWith("# secrets: keep this file 0600\n");
  expect(security).toContain("# the Pico token");
  expect(parseYaml(security).channels.pico.token).toMatch(/^token-\d{6}$/);
  const config = JSON.parse(readFileSync(home.file("config.json"), "utf8"));
  expect(config.gateway.port).toBeGreaterThanOrEqual(20000);
  const launcher = JSON.parse(readFileSync(home.file("launcher-config.json"), "utf8"));
  expect(launcher.launcher_token).toMatch(/^launcher-\d{6}$/);
  for (const name of [".security.yml", "config.json", "launcher-config.json"]) {
    expect(statSync(home.file(name)).mode & 0o777).toBe(0o600);
  }
}

describe("kill -9 during config writes", () => {
  test(`${KILLS} kills at random moments never leave a torn, unparseable or non-0600 file`, async () => {
    home = makeTempHome({
      ".security.yml": SECURITY_YML,
      "config.json": '{\n  "gateway": { "port": 20000 }\n}\n',
      "launcher-config.json": '{ "port": 18800, "launcher_token": "launcher-000000", "generated": false }\n',
    });
    let rounds = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const proc = Bun.spawn([process.execPath, WRITER], {
        env: { PATH: process.env.PATH ?? "", PICOCLAW_HOME: home.path, WRITER_START: String(kill * 1000) },
        stdout: "pipe",
        stderr: "pipe",
      });
      // Wait for the first completed round, then kill at a random moment within the next ones.
      const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain("wrote");
      await Bun.sleep(Math.random() * 15);
      proc.kill("SIGKILL");
      expect(await proc.exited).not.toBe(0);
      rounds++;
      checkFiles();
    }
    expect(rounds).toBe(KILLS);
    // Temp files of killed writes may remain (".<name>.<pid>.<random>.tmp"); the real files never tear.
    const leftovers = readdirSync(home.path).filter((n) => n.endsWith(".tmp"));
    expect(
      leftovers.every((n) =>
        /^\.(config\.json|\.security\.yml|launcher-config\.json)\.\d+\.[0-9a-f]{12}\.tmp$/.test(n)
      ),
    )
      .toBe(true);
  });
});

import { afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { BINARY, childEnv, runBinary } from "./helpers/binary.ts";
import { makeTempHome, type TempHome } from "./helpers/temp_home.ts";

let home: TempHome;
afterEach(() => home?.remove());

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const isRoot = process.getuid?.() === 0;

describe("picoclaw install-service", () => {
  test("--print shows a hardened unit running this binary as the given user", async () => {
    home = makeTempHome();
    const result = await runBinary(["install-service", "--user", "nobody", "--print"], childEnv(home.path));
    expect(result.code).toBe(0);
    const unit = result.stdout;
    for (
      const line of [
        "User=nobody",
        `ExecStart=${BINARY}`,
        'Environment="PICOCLAW_HOME=/nonexistent/.picoclaw"',
        "Restart=on-failure",
        "NoNewPrivileges=true",
        "ProtectSystem=strict",
        "ReadWritePaths=/nonexistent/.picoclaw",
        "PrivateTmp=true",
        "WantedBy=multi-user.target",
      ]
    ) {
      expect(unit).toContain(`${line}\n`);
    }
    expect(unit).not.toContain("MemoryDenyWriteExecute");
  });

  test("--public and --home go into the unit", async () => {
    home = makeTempHome();
    const result = await runBinary(
      ["install-service", "--user", "nobody", "--home", "/srv/pico claw", "--public", "--print"],
      childEnv(home.path),
    );
    expect(result.stdout).toContain(`ExecStart=${BINARY} --public\n`);
    expect(result.stdout).toContain('ReadWritePaths="/srv/pico claw"\n');
  });

  test.skipIf(!hasSystemdAnalyze)("systemd-analyze verify accepts the unit", async () => {
    home = makeTempHome();
    const result = await runBinary(["install-service", "--user", "nobody", "--print"], childEnv(home.path));
    const unitFile = home.write("picoclaw.service", result.stdout, 0o644);
    const verify = spawnSync("systemd-analyze", ["verify", unitFile], { encoding: "utf8" });
    expect(verify.status).toBe(0);
  });

  test.skipIf(!isRoot)("installs the unit 0644 and prepares the home 0700 for the user", async () => {
    home = makeTempHome();
    const unitFile = home.file("picoclaw.service");
    const serviceHome = home.file("service-home");
    const result = await runBinary(
      ["install-service", "--user", "nobody", "--home", serviceHome, "--unit-file", unitFile],
      childEnv(home.path),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("systemctl enable --now picoclaw");
    expect(readFileSync(unitFile, "utf8")).toContain(`PICOCLAW_HOME=${serviceHome}`);
    expect(statSync(unitFile).mode & 0o777).toBe(0o644);
    const info = statSync(serviceHome);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(65534);
  });

  test("refuses to run the service as root and names an unknown user (exit 2)", async () => {
    home = makeTempHome();
    const root = await runBinary(["install-service", "--user", "root", "--print"], childEnv(home.path));
    expect(root.code).toBe(2);
    expect(root.stderr).toContain("should not run as root");
    const unknown = await runBinary(["install-service", "--user", "no-such-user-xyz", "--print"], childEnv(home.path));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No such user "no-such-user-xyz"');
  });

  test("--user and --print apply only to install-service", async () => {
    home = makeTempHome();
    expect((await runBinary(["gateway", "--print"], childEnv(home.path))).code).toBe(2);
  });
});

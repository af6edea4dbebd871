import { requirement } from "./helpers/requirements.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, lchownSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { BINARY, childEnv, runBinary } from "./helpers/binary.ts";
import { makeTempHome, type TempHome } from "./helpers/temp_home.ts";

let home: TempHome;
afterEach(() => home?.remove());

const hasSystemdAnalyze = requirement(
  spawnSync("systemd-analyze", ["--version"]).status === 0,
  "the unit check needs systemd-analyze (apt-get install systemd)",
);
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/**
 * A test that needs root (to chown to `nobody` and to own symlink targets): skipped with the
 * reason in its name when not root, and failed under CI so it never goes missing unseen.
 */
function testAsRoot(name: string, fn: () => Promise<void>): void {
  if (isRoot) test(name, fn);
  else if (process.env.CI) test(name, () => Promise.reject(new Error(`${name}: needs root; run CI as root`)));
  else test.skip(`${name} [skipped: needs root to chown to nobody and to own the symlink target]`, fn);
}

/** Runs `install-service --user nobody --home <serviceHome>` with the unit file in the temp dir. */
function install(serviceHome: string) {
  return runBinary(
    ["install-service", "--user", "nobody", "--home", serviceHome, "--unit-file", home.file("picoclaw.service")],
    childEnv(home.path),
  );
}

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

  testAsRoot("installs the unit 0644 and prepares the home 0700 for the user", async () => {
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

  testAsRoot("refuses a home that is a symlink and leaves the link's target alone", async () => {
    home = makeTempHome();
    const target = home.file("etc");
    mkdirSync(target, { mode: 0o755 });
    const link = home.file("service-home");
    symlinkSync(target, link);
    lchownSync(link, NOBODY, NOBODY);
    const result = await install(link);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot use ${link} as the service home: it is a symbolic link`);
    const info = statSync(target);
    expect([info.uid, info.gid, info.mode & 0o777]).toEqual([0, 0, 0o755]);
    expect(existsSync(home.file("picoclaw.service"))).toBe(false);
  });

  testAsRoot("refuses a home under a symlink the user owns, creating nothing at its target", async () => {
    home = makeTempHome();
    const target = home.file("etc");
    mkdirSync(target, { mode: 0o755 });
    const link = home.file("user-home");
    symlinkSync(target, link);
    lchownSync(link, NOBODY, NOBODY);
    const result = await install(`${link}/.picoclaw`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${link} is a symbolic link owned by uid ${NOBODY}, not root`);
    expect(existsSync(`${target}/.picoclaw`)).toBe(false);
    expect(statSync(target).uid).toBe(0);
  });

  testAsRoot("follows a root-owned symlink on the way to the home (like /home -> /var/home)", async () => {
    home = makeTempHome();
    const target = home.file("var-home");
    mkdirSync(target, { mode: 0o755 });
    symlinkSync(target, home.file("home"));
    expect((await install(home.file("home/.picoclaw"))).code).toBe(0);
    expect(statSync(`${target}/.picoclaw`).uid).toBe(NOBODY);
    expect(statSync(target).uid).toBe(0);
  });

  testAsRoot("refuses an existing home owned by another uid and leaves its owner", async () => {
    home = makeTempHome();
    const serviceHome = home.file("someone-elses");
    mkdirSync(serviceHome, { mode: 0o700 });
    chownSync(serviceHome, 12345, 12345);
    const result = await install(serviceHome);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot use ${serviceHome} as the service home: it is owned by uid 12345`);
    expect(result.stderr).toContain(`chown -R nobody: ${serviceHome}`);
    expect(statSync(serviceHome).uid).toBe(12345);
  });

  testAsRoot("creates every missing component 0700 for the user and keeps a home the user already owns", async () => {
    home = makeTempHome();
    const serviceHome = home.file("srv/pico/home");
    // A umask that would leave the owner read-only: the directories still end up 0700.
    const underUmask = await runBinary(
      ["install-service", "--user", "nobody", "--home", serviceHome, "--unit-file", home.file("picoclaw.service")],
      childEnv(home.path),
      ["/bin/sh", "-c", 'umask 0377 && exec "$0" "$@"', BINARY],
    );
    expect(underUmask.code).toBe(0);
    for (const dir of [home.file("srv"), home.file("srv/pico"), serviceHome]) {
      const info = statSync(dir);
      expect([info.uid, info.gid, info.mode & 0o777]).toEqual([NOBODY, NOBODY, 0o700]);
    }
    expect(statSync(home.path).uid).toBe(0);
    expect((await install(serviceHome)).code).toBe(0);
  });

  testAsRoot("as root without --user or SUDO_USER says to pass --user NAME", async () => {
    home = makeTempHome();
    const result = await runBinary(["install-service", "--print"], childEnv(home.path));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("running as root without --user, and SUDO_USER is not set");
    expect(result.stderr).toContain("pass --user NAME");
  });

  test("warns when the user's home directory does not exist and suggests --home", async () => {
    home = makeTempHome();
    const printed = await runBinary(["install-service", "--user", "nobody", "--print"], childEnv(home.path));
    expect(printed.code).toBe(0);
    expect(printed.stderr).toContain(
      "picoclaw: warning: the home directory of nobody (/nonexistent) does not exist, so PICOCLAW_HOME would be " +
        "/nonexistent/.picoclaw: pass --home DIR",
    );
    const installed = await runBinary(
      ["install-service", "--user", "nobody", "--unit-file", home.file("picoclaw.service")],
      childEnv(home.path),
    );
    expect(installed.code).toBe(2);
    expect(installed.stderr).toContain("Cannot install the service: the home directory of nobody");
    expect(existsSync("/nonexistent")).toBe(false);
    expect(existsSync(home.file("picoclaw.service"))).toBe(false);
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

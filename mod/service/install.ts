import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { writeFileAtomic } from "../config/mod.ts";
import { UsageError } from "../errors/mod.ts";
import { prepareServiceHome } from "./service_home.ts";
import { serviceUnit } from "./unit.ts";

/** Where the unit goes unless `--unit-file` says otherwise. */
export const DEFAULT_UNIT_FILE = "/etc/systemd/system/picoclaw.service";

/** What `picoclaw install-service` was asked. */
export interface InstallServiceRequest {
  /** The running executable (`process.execPath`). */
  binary: string;
  /** False when running from source, where there is no single binary to install. */
  compiled: boolean;
  user?: string;
  home?: string;
  public: boolean;
  /** Print the unit instead of installing it. */
  print: boolean;
  unitFile: string;
  /** `SUDO_USER`, the user behind `sudo`. */
  sudoUser?: string;
  usage: string;
  /** Where warnings go (main prints them to stderr as `picoclaw: warning: ...`). */
  warn?: (message: string) => void;
}

interface Account {
  name: string;
  uid: number;
  gid: number;
  group: string;
  home: string;
}

/** Looks a user up with `getent` (works with /etc/passwd, LDAP, ...). */
function lookUpAccount(name: string, usage: string): Account {
  const passwd = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  const fields = passwd.stdout?.trim().split(":");
  if (passwd.status !== 0 || !fields || fields.length < 7) {
    throw new UsageError(`No such user ${JSON.stringify(name)}: create it first (e.g. sudo useradd -m ${name})`, usage);
  }
  const gid = Number(fields[3]);
  const group = spawnSync("getent", ["group", String(gid)], { encoding: "utf8" }).stdout?.split(":")[0] || name;
  return { name, uid: Number(fields[2]), gid, group, home: fields[5] };
}

/** Picks the service account's name, refusing root with the exact flag to pass. */
function serviceUserName(request: InstallServiceRequest): string {
  const isRoot = process.getuid?.() === 0;
  const name = request.user ?? request.sudoUser ?? (isRoot ? "root" : userInfo().username);
  if (name !== "root") return name;
  if (request.user === undefined && request.sudoUser === undefined) {
    throw new UsageError(
      "Cannot choose the service user: running as root without --user, and SUDO_USER is not set; " +
        "pass --user NAME with an unprivileged account (to make one: useradd --system --create-home picoclaw, " +
        "then --user picoclaw)",
      request.usage,
    );
  }
  throw new UsageError("The service should not run as root: pass --user NAME (an unprivileged user)", request.usage);
}

/**
 * `picoclaw install-service`: writes a systemd unit that runs this binary as an unprivileged
 * user with `PICOCLAW_HOME` under that user's home, creates that directory (0700, owned by
 * the user, never through a symlink), and returns the text to print: the unit (`--print`)
 * or the next steps.
 *
 * @throws {UsageError} Running from source, as root without `--user`, an unknown user, a user
 * whose home directory does not exist (without `--home`), or a home that is a symlink or
 * belongs to someone else.
 * @throws {PicoclawError} `write_failed` when the unit or the home cannot be written (not root?).
 */
export async function installService(request: InstallServiceRequest): Promise<string> {
  if (!request.compiled) {
    throw new UsageError(
      "install-service needs the compiled binary: run make build, then dist/picoclaw",
      request.usage,
    );
  }
  const account = lookUpAccount(serviceUserName(request), request.usage);
  const home = resolve(request.home ?? `${account.home}/.picoclaw`);
  if (request.home === undefined && !existsSync(account.home)) {
    const problem = `the home directory of ${account.name} (${account.home}) does not exist, so PICOCLAW_HOME ` +
      `would be ${home}: pass --home DIR (e.g. --home /var/lib/picoclaw)`;
    // Creating it would make a directory such as /nonexistent, which exists to not exist.
    if (!request.print) throw new UsageError(`Cannot install the service: ${problem}`, request.usage);
    request.warn?.(problem);
  }
  const unit = serviceUnit({
    binary: request.binary,
    user: account.name,
    group: account.group,
    home,
    public: request.public,
  });
  if (request.print) return unit;
  prepareServiceHome(home, account, request.usage);
  await writeFileAtomic(request.unitFile, unit, 0o644);
  return `Wrote ${request.unitFile} (runs ${request.binary} as ${account.name}, PICOCLAW_HOME=${home}).
Next:
  sudo systemctl daemon-reload
  sudo systemctl enable --now picoclaw
  journalctl -u picoclaw -f     # logs; the dashboard token is in ${home}/launcher-config.json
`;
}

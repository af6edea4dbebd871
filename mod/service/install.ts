import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { writeFileAtomic } from "../config/mod.ts";
import { PicoclawError, UsageError } from "../errors/mod.ts";
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

/**
 * `picoclaw install-service`: writes a systemd unit that runs this binary as an unprivileged
 * user with `PICOCLAW_HOME` under that user's home, creates that directory (0700, owned by
 * the user), and returns the text to print: the unit (`--print`) or the next steps.
 *
 * @throws {UsageError} Running from source, as root without `--user`, or an unknown user.
 * @throws {PicoclawError} `write_failed` when the unit cannot be written (not root?).
 */
export async function installService(request: InstallServiceRequest): Promise<string> {
  if (!request.compiled) {
    throw new UsageError(
      "install-service needs the compiled binary: run make build, then dist/picoclaw",
      request.usage,
    );
  }
  const current = process.getuid?.() === 0 ? "root" : userInfo().username;
  const name = request.user ?? request.sudoUser ?? current;
  if (name === "root") {
    throw new UsageError("The service should not run as root: pass --user NAME (an unprivileged user)", request.usage);
  }
  const account = lookUpAccount(name, request.usage);
  const home = request.home ?? `${account.home}/.picoclaw`;
  const unit = serviceUnit({
    binary: request.binary,
    user: account.name,
    group: account.group,
    home,
    public: request.public,
  });
  if (request.print) return unit;
  await writeFileAtomic(request.unitFile, unit, 0o644);
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chownSync(home, account.uid, account.gid);
  } catch (err) {
    throw new PicoclawError("write_failed", `Cannot prepare ${home} for ${account.name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return `Wrote ${request.unitFile} (runs ${request.binary} as ${account.name}, PICOCLAW_HOME=${home}).
Next:
  sudo systemctl daemon-reload
  sudo systemctl enable --now picoclaw
  journalctl -u picoclaw -f     # logs; the dashboard token is in ${home}/launcher-config.json
`;
}

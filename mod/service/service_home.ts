import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { PicoclawError, UsageError } from "../errors/mod.ts";

/** The account the service runs as: the owner its home must have. */
export interface HomeOwner {
  name: string;
  uid: number;
  gid: number;
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** What opening one path component found. */
type Step = { fd: number } | { missing: true } | { link: true } | { notDirectory: true };

/**
 * Opens `name` inside the directory open as `dirFd`, without following a link in `name`.
 * `/proc/self/fd/N/name` is openat(2) for Node's fs: the kernel starts from the directory
 * behind the descriptor, so renaming or replacing a parent meanwhile changes nothing.
 */
function openIn(dirFd: number, name: string, follow: boolean): Step {
  try {
    return { fd: openSync(`/proc/self/fd/${dirFd}/${name}`, O_RDONLY | O_DIRECTORY | (follow ? 0 : O_NOFOLLOW)) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { missing: true };
    // With O_DIRECTORY, Linux answers ENOTDIR (not ELOOP) for a symlink under O_NOFOLLOW.
    if (code === "ELOOP" || code === "ENOTDIR") {
      return lstatSync(`/proc/self/fd/${dirFd}/${name}`).isSymbolicLink() ? { link: true } : { notDirectory: true };
    }
    throw err;
  }
}

function refuse(home: string, why: string, usage: string): never {
  throw new UsageError(`Cannot use ${home} as the service home: ${why}`, usage);
}

/**
 * Makes `home` ready for the service as root, without ever following a symlink an
 * unprivileged user could have planted (SPEC §2 "Writes"): the path is walked one directory
 * descriptor at a time; missing components are created 0700 and handed to `owner` through
 * their own descriptor (fchown), and nothing that existed before is chowned. A home that is a
 * symlink, is not a directory, or is owned by someone other than `owner` is refused. A link
 * on the way to the home is followed only when root owns it (like `/home` → `/var/home`).
 *
 * @param home The service's `PICOCLAW_HOME`, absolute.
 * @param owner The service user.
 * @returns The directories it created, outermost first (empty when the home existed).
 * @throws {UsageError} When the home or a link on its path cannot be used, naming what to do.
 * @throws {PicoclawError} `write_failed` when a directory cannot be created or handed over.
 */
export function prepareServiceHome(home: string, owner: HomeOwner, usage: string): string[] {
  const parts = resolve(home).split("/").filter(Boolean);
  if (parts.length === 0) refuse(home, "it is the root directory; pass --home DIR", usage);
  const created: string[] = [];
  let dirFd = openSync("/", O_RDONLY | O_DIRECTORY);
  try {
    for (let i = 0; i < parts.length; i++) {
      const path = `/${parts.slice(0, i + 1).join("/")}`;
      const last = i === parts.length - 1;
      let step = openIn(dirFd, parts[i], false);
      if ("link" in step) {
        if (last) {
          refuse(home, `it is a symbolic link; pass --home with the real directory, or remove the link`, usage);
        }
        const linkOwner = lstatSync(`/proc/self/fd/${dirFd}/${parts[i]}`).uid;
        if (linkOwner !== 0) {
          refuse(
            home,
            `${path} is a symbolic link owned by uid ${linkOwner}, not root; pass --home with a path without it`,
            usage,
          );
        }
        step = openIn(dirFd, parts[i], true);
      }
      if ("notDirectory" in step) refuse(home, `${path} is not a directory`, usage);
      if ("missing" in step) {
        try {
          mkdirSync(`/proc/self/fd/${dirFd}/${parts[i]}`, { mode: 0o700 });
        } catch (err) {
          throw new PicoclawError("write_failed", `Cannot create ${path}: ${(err as Error).message}`, { cause: err });
        }
        step = openIn(dirFd, parts[i], false);
        if (!("fd" in step)) refuse(home, `${path} changed while it was being created`, usage);
        try {
          fchmodSync(step.fd, 0o700);
          fchownSync(step.fd, owner.uid, owner.gid);
        } catch (err) {
          closeSync(step.fd);
          throw new PicoclawError("write_failed", `Cannot hand ${path} to ${owner.name}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        created.push(path);
      } else if (last && "fd" in step) {
        const uid = fstatSync(step.fd).uid;
        if (uid !== owner.uid) {
          closeSync(step.fd);
          refuse(
            home,
            `it is owned by uid ${uid}, not by ${owner.name} (uid ${owner.uid}); if it is meant for the service, ` +
              `run chown -R ${owner.name}: ${home}, else pass --home with a new directory`,
            usage,
          );
        }
      }
      closeSync(dirFd);
      dirFd = (step as { fd: number }).fd;
    }
  } finally {
    closeSync(dirFd);
  }
  return created;
}

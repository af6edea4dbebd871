import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readlink, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { PicoclawError } from "../errors/mod.ts";

/** Explains a failed write in words a user can act on. */
function describeWriteError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOSPC"
    ? "the disk is full"
    : code === "EROFS"
    ? "the file system is read-only"
    : code === "EACCES" || code === "EPERM"
    ? "permission denied"
    : code === "EDQUOT"
    ? "the disk quota is exceeded"
    : (err as Error).message;
  return `Cannot write ${path}: ${why}; the previous file, if any, is unchanged`;
}

/** Links followed before giving up, as the kernel does (ELOOP past 40). */
const MAX_LINK_HOPS = 40;

/**
 * The file a write to `path` must replace: `path` itself, or, when it is a symlink, the file
 * at the end of its chain (which may not exist yet). Renaming over the link would replace the
 * link with a regular file and leave the old content at its target (SPEC §2: the link stays).
 */
async function writeTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const info = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (!info?.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`too many levels of symbolic links (more than ${MAX_LINK_HOPS})`), { code: "ELOOP" });
}

/**
 * Writes a file atomically with mode 0600: a temp file in the same directory, fsync,
 * rename over the target, then fsync the directory. Readers and crashes see either the
 * old or the new complete content, never a torn file. A missing directory is created 0700.
 * When `path` is a symlink, its target is replaced the same way (temp file beside the
 * target) and the link stays.
 *
 * @param mode The file's mode. @default 0o600 (config and secrets); a systemd unit uses 0o644.
 * @throws {PicoclawError} `write_failed`, naming the file and the cause (disk full, read-only...).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  let target: string;
  try {
    target = await writeTarget(path);
  } catch (err) {
    throw new PicoclawError("write_failed", describeWriteError(path, err), { cause: err });
  }
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, "wx", mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw new PicoclawError("write_failed", describeWriteError(path, err), { cause: err });
  }
  // Make the rename itself durable; some file systems refuse to fsync a directory.
  const dirHandle = await open(dir, "r").catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}

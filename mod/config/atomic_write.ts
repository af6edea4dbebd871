import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
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

/**
 * Writes a file atomically with mode 0600: a temp file in the same directory, fsync,
 * rename over the target, then fsync the directory. Readers and crashes see either the
 * old or the new complete content, never a torn file. A missing directory is created 0700.
 *
 * @param mode The file's mode. @default 0o600 (config and secrets); a systemd unit uses 0o644.
 * @throws {PicoclawError} `write_failed`, naming the file and the cause (disk full, read-only...).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
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
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw new PicoclawError("write_failed", describeWriteError(path, err), { cause: err });
  }
  // Make the rename itself durable; some file systems refuse to fsync a directory.
  const dirHandle = await open(dir, "r").catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}

import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Mounts a small tmpfs we can fill or remount read-only; needs root (CI runs as root).
 *
 * @param size The mount's size, e.g. "256k" or "1m".
 * @returns Its directory, or undefined when it cannot be mounted.
 */
export function mountTinyFs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "picoclaw-disk-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}

/** Unmounts a tmpfs from `mountTinyFs()` and removes its directory. */
export function unmount(dir: string): void {
  spawnSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** True when this process can mount a tmpfs (root, and mount works here). */
export function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mountTinyFs("64k");
  if (probe) unmount(probe);
  return probe !== undefined;
}

/** Writes a filler file until the file system is full. */
export function fillUp(dir: string): void {
  const fd = openSync(join(dir, "filler"), "w");
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

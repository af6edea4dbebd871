import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary `PICOCLAW_HOME` with some files in it; `remove()` deletes it. */
export interface TempHome {
  path: string;
  file(name: string): string;
  write(name: string, text: string, mode?: number): string;
  remove(): void;
}

/** Makes a temporary home directory holding `files` (name → text), each written 0600. */
export function makeTempHome(files: Record<string, string> = {}): TempHome {
  const path = mkdtempSync(join(tmpdir(), "picoclaw-test-"));
  const home: TempHome = {
    path,
    file: (name) => join(path, name),
    write: (name, text, mode = 0o600) => {
      const file = join(path, name);
      writeFileSync(file, text);
      chmodSync(file, mode);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) home.write(name, text);
  return home;
}

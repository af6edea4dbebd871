import { afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { PicoclawError } from "../errors/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { writeFileAtomic } from "./atomic_write.ts";

let home: TempHome;
afterEach(() => {
  chmodSync(home.path, 0o700);
  home.remove();
});

describe("writeFileAtomic()", () => {
  test("writeFileAtomic() creates the directory 0700 and the file 0600", async () => {
    home = makeTempHome();
    const path = home.file("sub/dir/config.json");
    await writeFileAtomic(path, "{}\n");
    expect(readFileSync(path, "utf8")).toBe("{}\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(home.file("sub/dir")).mode & 0o777).toBe(0o700);
  });

  test("writeFileAtomic() replaces a 0644 file with a 0600 one and leaves no temp file", async () => {
    home = makeTempHome();
    const path = home.file("launcher-config.json");
    writeFileSync(path, "old");
    chmodSync(path, 0o644);
    await writeFileAtomic(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(home.path)).toEqual(["launcher-config.json"]);
  });

  test("writeFileAtomic() fails with write_failed in a read-only directory and keeps the old file", async () => {
    home = makeTempHome({ "config.json": "old" });
    chmodSync(home.path, 0o500);
    if (process.getuid?.() === 0) {
      // root ignores directory permissions; the read-only case is covered by the disk-fault tests.
      chmodSync(home.path, 0o700);
      return;
    }
    const err = await writeFileAtomic(home.file("config.json"), "new").catch((e) => e);
    expect(err).toBeInstanceOf(PicoclawError);
    expect((err as PicoclawError).code).toBe("write_failed");
    expect((err as Error).message).toContain("permission denied");
    expect(readFileSync(home.file("config.json"), "utf8")).toBe("old");
  });

  test("writeFileAtomic() fails with write_failed when the target is a directory, leaving no temp file", async () => {
    home = makeTempHome();
    const path = home.file("config.json");
    await writeFileAtomic(`${path}/x`, "data");
    const err = await writeFileAtomic(path, "new").catch((e) => e);
    expect(err).toBeInstanceOf(PicoclawError);
    expect((err as Error).message).toStartWith(`Cannot write ${path}:`);
    expect(readdirSync(home.path)).toEqual(["config.json"]);
  });

  test("writeFileAtomic() on a symlink replaces the target and keeps the link", async () => {
    home = makeTempHome();
    await writeFileAtomic(home.file("real/.security.yml"), "token: old\n");
    chmodSync(home.file("real/.security.yml"), 0o644);
    const link = home.file("conf/.security.yml");
    await writeFileAtomic(home.file("conf/placeholder"), "");
    symlinkSync("../real/.security.yml", link);
    await writeFileAtomic(link, "token: new\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("../real/.security.yml");
    expect(readFileSync(home.file("real/.security.yml"), "utf8")).toBe("token: new\n");
    expect(statSync(home.file("real/.security.yml")).mode & 0o777).toBe(0o600);
    expect(readdirSync(home.file("real"))).toEqual([".security.yml"]);
    expect(readdirSync(home.file("conf")).sort()).toEqual([".security.yml", "placeholder"]);
  });

  test("writeFileAtomic() follows a chain of links and creates a dangling link's target", async () => {
    home = makeTempHome();
    await writeFileAtomic(home.file("real/x"), "");
    symlinkSync(home.file("real/config.json"), home.file("second"));
    symlinkSync("second", home.file("first"));
    await writeFileAtomic(home.file("first"), "{}\n");
    expect(lstatSync(home.file("first")).isSymbolicLink()).toBe(true);
    expect(lstatSync(home.file("second")).isSymbolicLink()).toBe(true);
    expect(readFileSync(home.file("real/config.json"), "utf8")).toBe("{}\n");
  });

  test("writeFileAtomic() fails with write_failed on a symlink loop", async () => {
    home = makeTempHome();
    symlinkSync("b", home.file("a"));
    symlinkSync("a", home.file("b"));
    const err = await writeFileAtomic(home.file("a"), "x").catch((e) => e);
    expect(err).toBeInstanceOf(PicoclawError);
    expect((err as Error).message).toContain("too many levels of symbolic links");
    expect(lstatSync(home.file("a")).isSymbolicLink()).toBe(true);
  });
});

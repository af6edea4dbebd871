import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { ConfigError } from "../errors/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import { updateJsonFile, updateYamlFile } from "./update_file.ts";

let home: TempHome;
afterEach(() => home.remove());

const SECURITY_YML = `# PicoClaw secrets: keep this file 0600
channels:
  # the Pico channel token
  pico:
    token: "old-token" # rotate me
  telegram:
    token: "123:ABC"
agent:
  api_key: sk-keep
`;

describe("updateYamlFile()", () => {
  test("updateYamlFile() changes a value and keeps comments and key order", async () => {
    home = makeTempHome({ ".security.yml": SECURITY_YML });
    await updateYamlFile(home.file(".security.yml"), [{ path: ["channels", "pico", "token"], value: "new-token" }]);
    const text = readFileSync(home.file(".security.yml"), "utf8");
    expect(text).toBe(SECURITY_YML.replace('"old-token"', '"new-token"'));
    expect(statSync(home.file(".security.yml")).mode & 0o777).toBe(0o600);
  });

  test("updateYamlFile() on a symlinked file updates the target, comments kept, and the link stays", async () => {
    home = makeTempHome({ "shared-security.yml": SECURITY_YML });
    const target = home.file("shared-security.yml");
    chmodSync(target, 0o644);
    symlinkSync(target, home.file(".security.yml"));
    await updateYamlFile(home.file(".security.yml"), [{ path: ["channels", "pico", "token"], value: "new-token" }]);
    expect(lstatSync(home.file(".security.yml")).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe(SECURITY_YML.replace('"old-token"', '"new-token"'));
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  test("updateYamlFile() adds a missing key and creates a missing file", async () => {
    home = makeTempHome();
    await updateYamlFile(home.file(".security.yml"), [{ path: ["channels", "pico", "token"], value: "abc" }]);
    expect(readFileSync(home.file(".security.yml"), "utf8")).toBe("channels:\n  pico:\n    token: abc\n");
  });

  test("updateYamlFile() never overwrites a malformed file", async () => {
    const broken = "channels:\n  pico:\n    token: 'unterminated\n";
    home = makeTempHome({ ".security.yml": broken });
    const err = await updateYamlFile(home.file(".security.yml"), [{ path: ["agent", "api_key"], value: "x" }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(readFileSync(home.file(".security.yml"), "utf8")).toBe(broken);
  });
});

describe("updateJsonFile()", () => {
  test("updateJsonFile() changes a value and keeps key order", async () => {
    home = makeTempHome({ "launcher-config.json": '{"port": 18800, "launcher_token": "a", "public": false}' });
    await updateJsonFile(home.file("launcher-config.json"), [
      { path: ["launcher_token"], value: "b" },
      { path: ["generated"], value: false },
    ]);
    expect(readFileSync(home.file("launcher-config.json"), "utf8")).toBe(
      '{\n  "port": 18800,\n  "launcher_token": "b",\n  "public": false,\n  "generated": false\n}\n',
    );
  });

  test("updateJsonFile() removes a key given undefined", async () => {
    home = makeTempHome({ "config.json": '{"channels": {"pico": {"token": "x", "enabled": true}}}' });
    await updateJsonFile(home.file("config.json"), [{ path: ["channels", "pico", "token"], value: undefined }]);
    expect(JSON.parse(readFileSync(home.file("config.json"), "utf8"))).toEqual({
      channels: { pico: { enabled: true } },
    });
  });

  test("updateJsonFile() never overwrites a malformed or empty file", async () => {
    for (const broken of ['{"port": 18800,', ""]) {
      home = makeTempHome({ "config.json": broken });
      const err = await updateJsonFile(home.file("config.json"), [{ path: ["port"], value: 1 }]).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(readFileSync(home.file("config.json"), "utf8")).toBe(broken);
      home.remove();
    }
    home = makeTempHome();
  });
});

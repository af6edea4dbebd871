import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { childEnv, runBinary } from "../helpers/binary.ts";
import { makeTempHome, type TempHome } from "../helpers/temp_home.ts";

let home: TempHome;
afterEach(() => home?.remove());

interface Case {
  file: "config.json" | ".security.yml" | "launcher-config.json";
  kind: string;
  text: string;
  /** What stderr must say after the file path. */
  says: RegExp;
}

const CASES: Case[] = [
  {
    file: "config.json",
    kind: "syntax",
    text: '{\n  "gateway": {\n    "port": 1,\n  }\n}\n',
    says: /:4:3: invalid JSON/,
  },
  { file: "config.json", kind: "unclosed", text: '{ "channels": { "pico": ', says: /:1:\d+: invalid JSON/ },
  {
    file: "config.json",
    kind: "wrong type",
    text: '{"channels":{"pico":{"ping_interval":"abc"}}}',
    says: /: channels\.pico\.ping_interval: expected a positive integer, got "abc"/,
  },
  {
    file: "config.json",
    kind: "object expected",
    text: '{"gateway": 5}',
    says: /: gateway: expected an object, got 5/,
  },
  {
    file: "config.json",
    kind: "top level",
    text: '"just a string"',
    says: /:1:1: expected a JSON object at the top level/,
  },
  { file: "config.json", kind: "empty", text: "", says: /:1:1: file is empty/ },
  { file: "config.json", kind: "binary", text: "\u0000\u0001\u00ff\u0010garbage", says: /:1:1: invalid JSON/ },
  {
    file: ".security.yml",
    kind: "syntax",
    text: "channels:\n  pico:\n    token: 'unterminated\n",
    says: /:\d+:\d+: invalid YAML/,
  },
  { file: ".security.yml", kind: "tabs", text: "channels:\n\tpico:\n\t\ttoken: x\n", says: /:\d+:\d+: invalid YAML/ },
  {
    file: ".security.yml",
    kind: "wrong type",
    text: "agent:\n  api_key: [1, 2]\n",
    says: /: agent\.api_key: expected a string \(quote it in YAML\), got a list/,
  },
  {
    file: ".security.yml",
    kind: "top level",
    text: "- a\n- b\n",
    says: /:1:1: expected a YAML mapping at the top level/,
  },
  { file: "launcher-config.json", kind: "syntax", text: "{ port: 18800 }", says: /:1:3: invalid JSON/ },
  {
    file: "launcher-config.json",
    kind: "wrong type",
    text: '{"port": "eighteen"}',
    says: /: port: expected a port number \(0-65535\), got "eighteen"/,
  },
  {
    file: "launcher-config.json",
    kind: "out of range",
    text: '{"port": 99999}',
    says: /: port: expected a port number \(0-65535\), got 99999/,
  },
];

describe("malformed files", () => {
  for (const c of CASES) {
    test(`${c.file} (${c.kind}) exits 2 naming the file and the place, and is left untouched`, async () => {
      home = makeTempHome({ [c.file]: c.text });
      const before = statSync(home.file(c.file));
      const result = await runBinary(["--port", "0"], childEnv(home.path, { PICOCLAW_GATEWAY_PORT: "0" }));
      expect(result.code).toBe(2);
      const line = result.stderr.split("\n").find((l) => l.includes(home.file(c.file)));
      expect(line).toBeDefined();
      expect(line!.slice(line!.indexOf(home.file(c.file)) + home.file(c.file).length)).toMatch(c.says);
      expect(readFileSync(home.file(c.file), "utf8")).toBe(c.text);
      expect(statSync(home.file(c.file)).mtimeMs).toBe(before.mtimeMs);
      // Nothing else was written: no launcher token, no log directory.
      expect(readdirSync(home.path)).toEqual([c.file]);
    });
  }

  test("a directory where a config file should be exits 2 saying so", async () => {
    home = makeTempHome();
    mkdirSync(home.file("config.json"));
    const result = await runBinary(["config", "check"], childEnv(home.path));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${home.file("config.json")}: Cannot read file: it is a directory`);
  });

  test("every problem of every file is listed at once", async () => {
    home = makeTempHome({
      "config.json": "{",
      ".security.yml": "a: [",
      "launcher-config.json": '{"port": -1}',
    });
    const result = await runBinary(["config", "check"], childEnv(home.path));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("config error (3 problems)");
  });
});

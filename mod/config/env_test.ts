import { describe, expect, test } from "bun:test";
import { coerceEnvValue, envName, readEnvLayer } from "./env.ts";
import { CONFIG_LEAVES } from "./load.ts";

describe("envName()", () => {
  test("envName() upper-cases the key path and joins it with _", () => {
    expect(envName(["channels", "pico", "allow_token_query"])).toBe("PICOCLAW_CHANNELS_PICO_ALLOW_TOKEN_QUERY");
    expect(envName(["agent", "api_key"])).toBe("PICOCLAW_AGENT_API_KEY");
  });
});

describe("coerceEnvValue()", () => {
  const boolean = { kind: "boolean", expected: "true or false" } as const;
  const integer = { kind: "integer", expected: "a positive integer" } as const;
  const list = { kind: "list", expected: "a list" } as const;

  test("coerceEnvValue() accepts true/false/1/0/yes/no for booleans, in any case", () => {
    for (const word of ["true", "1", "yes", "TRUE", "Yes"]) {
      expect(coerceEnvValue(boolean, word)).toEqual({ ok: true, value: true });
    }
    for (const word of ["false", "0", "no", "False", "NO"]) {
      expect(coerceEnvValue(boolean, word)).toEqual({ ok: true, value: false });
    }
  });

  test("coerceEnvValue() rejects other boolean words", () => {
    for (const word of ["", "on", "maybe", "2"]) expect(coerceEnvValue(boolean, word).ok).toBe(false);
  });

  test("coerceEnvValue() requires numbers to parse fully", () => {
    expect(coerceEnvValue(integer, "42")).toEqual({ ok: true, value: 42 });
    for (const word of ["", "12abc", "1.5", "0x10", "1e3", "abc"]) expect(coerceEnvValue(integer, word).ok).toBe(false);
  });

  test("coerceEnvValue() splits lists on commas and trims entries", () => {
    expect(coerceEnvValue(list, "http://a, http://b,,")).toEqual({ ok: true, value: ["http://a", "http://b"] });
  });
});

describe("readEnvLayer()", () => {
  test("readEnvLayer() puts PICOCLAW_CHANNELS_PICO_CLIENT_URL on channels.pico_client.url", () => {
    const layer = readEnvLayer({ PICOCLAW_CHANNELS_PICO_CLIENT_URL: "ws://remote:18790/pico" }, CONFIG_LEAVES);
    expect(layer.raw).toEqual({ channels: { pico_client: { url: "ws://remote:18790/pico" } } });
    expect(layer.variableByKey.get("channels.pico_client.url")).toBe("PICOCLAW_CHANNELS_PICO_CLIENT_URL");
  });

  test("readEnvLayer() names the variable of a bad value", () => {
    const layer = readEnvLayer({ PICOCLAW_CHANNELS_PICO_ENABLED: "perhaps" }, CONFIG_LEAVES);
    expect(layer.problems).toEqual([
      { source: "PICOCLAW_CHANNELS_PICO_ENABLED", message: 'expected true/false/1/0/yes/no, got "perhaps"' },
    ]);
  });

  test("readEnvLayer() warns about unknown PICOCLAW_ variables and ignores the rest", () => {
    const layer = readEnvLayer(
      { PICOCLAW_CHANNELS_PICO_TOKN: "x", PICOCLAW_HOME: "/x", PATH: "/bin", PICOCLAW_LAUNCHER_TOKEN: "t" },
      CONFIG_LEAVES,
    );
    expect(layer.warnings).toEqual(["PICOCLAW_CHANNELS_PICO_TOKN: unknown environment variable (ignored)"]);
    expect(layer.raw).toEqual({});
  });

  test("readEnvLayer() has a variable for every leaf of the schema", () => {
    const names = CONFIG_LEAVES.map((l) => envName(l.path));
    expect(names).toContain("PICOCLAW_CHANNELS_PICO_TOKEN");
    expect(names).toContain("PICOCLAW_GATEWAY_PORT");
    expect(names).toContain("PICOCLAW_AGENT_API_KEY");
    expect(new Set(names).size).toBe(names.length);
  });
});

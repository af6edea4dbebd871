import { describe, expect, test } from "bun:test";
import { inspect } from "node:util";
import { mask, maskUrlCredentials, Secret } from "./secret.ts";

describe("mask()", () => {
  test("mask() keeps the first and last four characters of a long secret", () => {
    expect(mask("ab12cd34ef56ef90")).toBe("ab12…ef90");
  });
  test("mask() hides a secret shorter than 12 characters entirely", () => {
    expect(mask("short-token")).toBe("***");
  });
  test("mask() leaves an empty secret empty", () => {
    expect(mask("")).toBe("");
  });
});

describe("Secret", () => {
  const value = "0123456789abcdef0123456789abcdef";
  const secret = new Secret(value);

  test("Secret masks itself in every way of printing", () => {
    const printed = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }),
      Bun.inspect(secret),
      Bun.inspect([secret]),
    ];
    for (const text of printed) {
      expect(text).not.toContain(value);
      expect(text).toContain("0123…cdef");
    }
  });

  test("Secret.reveal() returns the real value", () => {
    expect(secret.reveal()).toBe(value);
  });

  test("Secret.isSet is false only for the empty string", () => {
    expect(new Secret("").isSet).toBe(false);
    expect(secret.isSet).toBe(true);
  });
});

describe("maskUrlCredentials()", () => {
  test("maskUrlCredentials() masks user and password of a URL and keeps the rest", () => {
    expect(maskUrlCredentials("http://user:hunter2@llm.local:8080/v1")).toBe("http://***:***@llm.local:8080/v1");
    expect(maskUrlCredentials("https://sk-token-as-user@llm.local/v1")).toBe("https://***@llm.local/v1");
    expect(maskUrlCredentials("http:user:hunter2@llm.local/v1")).toBe("http://***:***@llm.local/v1");
  });

  test("maskUrlCredentials() leaves a URL without credentials exactly as written", () => {
    expect(maskUrlCredentials("http://127.0.0.1:8080/v1")).toBe("http://127.0.0.1:8080/v1");
    expect(maskUrlCredentials("http://llm.local/v1/@models")).toBe("http://llm.local/v1/@models");
    expect(maskUrlCredentials("")).toBe("");
  });

  test("maskUrlCredentials() masks up to the last @ of a value that is not an http(s)/ws(s) URL", () => {
    expect(maskUrlCredentials("user:hunter2@llm.local")).toBe("***@llm.local");
    expect(maskUrlCredentials("ftp//user:hunter2@llm.local")).toBe("***@llm.local");
  });
});

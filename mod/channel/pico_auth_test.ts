import { describe, expect, test } from "bun:test";
import { collectPicoCredentials, isOriginAllowed } from "./pico_auth.ts";

const url = (q = "") => new URL(`http://127.0.0.1/pico${q}`);

describe("collectPicoCredentials()", () => {
  test("collectPicoCredentials() reads a Bearer token with any scheme case and trims it", () => {
    const creds = collectPicoCredentials(new Headers({ authorization: "bEaReR   abc  " }), url(), false);
    expect(creds.tokens).toEqual([{ token: "abc", via: "bearer" }]);
  });

  test("collectPicoCredentials() finds token.<value> anywhere in the subprotocol list", () => {
    const creds = collectPicoCredentials(new Headers({ "sec-websocket-protocol": "a, b,token.xyz , c" }), url(), false);
    expect(creds.tokens).toEqual([{ token: "xyz", via: "subprotocol", protocol: "token.xyz" }]);
  });

  test("collectPicoCredentials() reads ?token= only when allowed", () => {
    expect(collectPicoCredentials(new Headers(), url("?token=q"), true).tokens).toEqual([{ token: "q", via: "query" }]);
    const off = collectPicoCredentials(new Headers(), url("?token=q"), false);
    expect(off.tokens).toEqual([]);
    expect(off.ignoredQueryToken).toBe(true);
  });

  test("collectPicoCredentials() ignores other schemes and empty tokens", () => {
    const headers = new Headers({ authorization: "Basic abc", "sec-websocket-protocol": "token." });
    expect(collectPicoCredentials(headers, url(), false).tokens).toEqual([]);
  });
});

describe("isOriginAllowed()", () => {
  test("isOriginAllowed() allows everything with an empty list or *", () => {
    expect(isOriginAllowed("http://x", [])).toBe(true);
    expect(isOriginAllowed("http://x", ["http://y", "*"])).toBe(true);
  });

  test("isOriginAllowed() allows a request without Origin", () => {
    expect(isOriginAllowed(undefined, ["http://y"])).toBe(true);
  });

  test("isOriginAllowed() matches listed origins, ignoring a trailing slash in the list", () => {
    expect(isOriginAllowed("http://y", ["http://y/"])).toBe(true);
    expect(isOriginAllowed("http://z", ["http://y"])).toBe(false);
    expect(isOriginAllowed("http://y.evil", ["http://y"])).toBe(false);
  });
});

import { describe, expect, test } from "bun:test";
import { describeApiError, describeProblem } from "./messages.ts";

describe("describeProblem()", () => {
  test("puts the field's name in front of a schema message that starts with a verb", () => {
    expect(describeProblem({ field: "token", message: "must be at least 16 characters" }))
      .toBe("The token must be at least 16 characters.");
  });

  test("turns zod's type messages into plain words", () => {
    expect(describeProblem({ field: "enabled", message: "Invalid input: expected boolean, received string" }))
      .toBe("The on/off switch must be on or off.");
    expect(describeProblem({ field: "url", message: "Invalid input: expected string, received undefined" }))
      .toBe("The remote URL is missing.");
  });

  test("names the field of a config-schema message (expected …, got …)", () => {
    expect(describeProblem({ field: "base_url", message: 'expected an http:// or https:// URL, got "ftp://nope"' }))
      .toBe('The base URL must be an http:// or https:// URL (not "ftp://nope").');
    expect(describeProblem({ field: "agent.timeout", message: "expected a positive integer" }))
      .toBe("The timeout must be a positive integer.");
  });

  test("capitalizes a message that is already a clause and ends it with a period", () => {
    expect(describeProblem({ field: "confirm", message: "the two tokens differ" })).toBe("The two tokens differ.");
  });

  test("names an unknown field in words", () => {
    expect(describeProblem({ field: "agent.max_reply_bytes", message: "must be a positive integer" }))
      .toBe("The max reply bytes must be a positive integer.");
  });
});

describe("describeApiError()", () => {
  test("joins every field problem of a 400 invalid_request, without the raw key paths", () => {
    const text = describeApiError({
      message: "Invalid request: token: must be at least 16 characters; confirm: the two tokens differ",
      details: [
        { field: "token", message: "must be at least 16 characters" },
        { field: "confirm", message: "the two tokens differ" },
      ],
    }, "");
    expect(text).toBe("The token must be at least 16 characters. The two tokens differ.");
  });

  test("drops a leading key path from a message without details", () => {
    expect(describeApiError({ message: "channels.pico_client.url: set the remote URL to enable the client" }, ""))
      .toBe("Set the remote URL to enable the client.");
  });

  test("keeps a plain message and falls back when there is none", () => {
    expect(describeApiError({ message: "No Pico token is set" }, "")).toBe("No Pico token is set.");
    expect(describeApiError({}, "Request failed (500)")).toBe("Request failed (500)");
  });
});

import { describe, expect, test } from "bun:test";
import { backoffSeconds } from "./chat_socket.ts";

describe("backoffSeconds", () => {
  test("waits 1 s, doubling up to 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(backoffSeconds)).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });
});

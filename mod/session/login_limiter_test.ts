import { describe, expect, test } from "bun:test";
import { LoginLimiter } from "./login_limiter.ts";

describe("LoginLimiter", () => {
  test("LoginLimiter blocks an IP after maxFailures until the window ends", () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("a")).toBe(0);
      limiter.fail("a");
    }
    expect(limiter.retryAfter("a")).toBe(60);
    now = 59_001;
    expect(limiter.retryAfter("a")).toBe(1);
    expect(limiter.retryAfter("b")).toBe(0);
    now = 60_000;
    expect(limiter.retryAfter("a")).toBe(0);
  });

  test("LoginLimiter keeps memory bounded by maxEntries and expires old windows", () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxEntries: 100, windowMs: 1000, now: () => now });
    for (let i = 0; i < 1000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    now = 5000;
    limiter.fail("fresh");
    expect(limiter.size).toBe(1);
  });
});

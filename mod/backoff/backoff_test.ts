import { describe, expect, test } from "bun:test";
import { Backoff, backoffDelay } from "./backoff.ts";

const middle = () => 0.5; // no jitter

describe("backoffDelay()", () => {
  test("backoffDelay() doubles from 1 s and stops at 60 s", () => {
    const schedule = Array.from({ length: 9 }, (_, attempt) => backoffDelay(attempt, { random: middle }));
    expect(schedule).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  test("backoffDelay() moves the delay by at most ±20 %", () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(800);
    expect(backoffDelay(0, { random: () => 0.999999 })).toBe(1200);
    expect(backoffDelay(10, { random: () => 0 })).toBe(48000);
    expect(backoffDelay(10, { random: () => 0.999999 })).toBe(72000);
  });
});

describe("Backoff", () => {
  test("Backoff grows with each failed dial and short connection", () => {
    const backoff = new Backoff({ random: middle });
    expect([backoff.next(0), backoff.next(0), backoff.next(5000), backoff.next(59_999)]).toEqual([
      1000,
      2000,
      4000,
      8000,
    ]);
  });

  test("Backoff starts again at 1 s after a connection that lasted a healthy minute", () => {
    const backoff = new Backoff({ random: middle });
    for (let i = 0; i < 5; i++) backoff.next(0);
    expect(backoff.next(60_000)).toBe(1000);
    expect(backoff.next(0)).toBe(2000);
  });

  test("Backoff.reset() starts again at the first delay (the cluster's Redis link: 200 ms doubling to 5 s)", () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000, random: middle });
    expect(Array.from({ length: 7 }, () => backoff.next(0))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    backoff.reset();
    expect(backoff.next(0)).toBe(200);
  });

  test("Backoff.max() is the longest delay, jittered", () => {
    expect(new Backoff({ random: middle }).max()).toBe(60000);
    expect(new Backoff({ random: () => 0 }).max()).toBe(48000);
  });
});

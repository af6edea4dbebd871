import { describe, expect, test } from "bun:test";
import { Histogram, Registry } from "prom-client";
import { CountingHistogram } from "./counting_histogram.ts";

const BOUNDS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

describe("CountingHistogram", () => {
  test("prints exactly what prom-client's Histogram prints for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const counting = new CountingHistogram("x_seconds", "Some latency", BOUNDS, ours);
    const reference = new Histogram({ name: "x_seconds", help: "Some latency", buckets: BOUNDS, registers: [theirs] });
    expect(await ours.metrics()).toBe(await theirs.metrics()); // empty
    // On a bound, between bounds, below the first, above the last, zero.
    for (const value of [0.005, 0.0051, 0.001, 0, 0.3, 1, 7.5, 120, 121, 1e6, 0.05, 2.5]) {
      counting.observe(value);
      reference.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // The JSON form too, but for prom-client's empty exemplar fields (histograms here keep none).
    const withoutExemplars = JSON.parse(
      JSON.stringify(await theirs.getMetricsAsJSON()),
      (key, value) => key === "exemplar" ? undefined : value,
    );
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    counting.observe(0.2);
    reference.observe(0.2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  test("NaN and ±Infinity are left out, as prom-client's Histogram refuses them (its TypeError caught)", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const counting = new CountingHistogram("x_seconds", "Some latency", BOUNDS, ours);
    const reference = new Histogram({ name: "x_seconds", help: "Some latency", buckets: BOUNDS, registers: [theirs] });
    for (const value of [0.3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0.02]) {
      counting.observe(value);
      try {
        reference.observe(value);
      } catch (err) {
        expect(err).toBeInstanceOf(TypeError); // only the three non-finite values
        expect(Number.isFinite(value)).toBe(false);
      }
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});

import type { Registry } from "prom-client";

/** One line of a histogram's export, as prom-client's registry prints it. */
interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram without labels whose `observe()` is a few additions on plain numbers,
 * for the hot path (one observation per chat reply): prom-client's `Histogram` builds and
 * hashes a label set on every call. It registers with a prom-client `Registry`, which reads it
 * at scrape time through `get()`, and prints exactly what a prom-client `Histogram` with the
 * same buckets and observations prints.
 *
 * @example
 * const latency = new CountingHistogram("app_latency_seconds", "Reply time", [0.1, 1], registry);
 * latency.observe(0.25); // counted in le="1" and le="+Inf"
 */
export class CountingHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  /** After `reset()` nothing is printed until the next observation (as prom-client does). */
  #cleared = false;

  /**
   * @param name The metric's name.
   * @param help Its help text.
   * @param bounds The buckets' upper bounds, ascending.
   * @param registry Where it is scraped.
   */
  constructor(readonly name: string, readonly help: string, bounds: readonly number[], registry: Registry) {
    this.#bounds = [...bounds];
    this.#counts = new Float64Array(bounds.length + 1);
    registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  /**
   * Counts one observation in the first bucket whose bound is at least `value`. NaN and
   * ±Infinity are left out (prom-client's `Histogram` refuses them with a TypeError; here the
   * hot path is not made to throw), so one bad value never turns `_sum` into NaN for good.
   */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.#counts[i]++;
    this.#sum += value;
    this.#count++;
    this.#cleared = false;
  }

  /** Forgets every observation (prom-client's `Registry.resetMetrics()`). */
  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
    this.#cleared = true;
  }

  /** The export prom-client's registry prints: cumulative buckets, `+Inf`, sum and count. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    const { name, help, type, aggregator } = this;
    if (this.#cleared) return Promise.resolve({ name, help, type, aggregator, values });
    let cumulative = 0;
    this.#bounds.forEach((le, i) => {
      cumulative += this.#counts[i];
      values.push({ labels: { le }, value: cumulative, metricName: bucket });
    });
    values.push(
      { labels: { le: "+Inf" }, value: this.#count, metricName: bucket },
      { labels: {}, value: this.#sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.#count, metricName: `${this.name}_count` },
    );
    return Promise.resolve({ name, help, type, aggregator, values });
  }
}

/**
 * @module
 * Prometheus metrics (prom-client): connections, frames in/out, auth failures by reason,
 * agent latency, launcher login attempts. Served Bearer-protected at the gateway's `/metrics`.
 */

export { createMetrics, type FrameCounts, type Metrics } from "./metrics.ts";

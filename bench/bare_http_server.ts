/**
 * @module
 * The baseline for `bench/login.ts`: a bare `Bun.serve` answering every request with a small
 * JSON 429, no routing, headers or checks. Prints `port=<n>` once listening.
 */

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => Response.json({ error: "rate_limited" }, { status: 429, headers: { "Retry-After": "60" } }),
});
console.log(`port=${server.port}`);

export {};

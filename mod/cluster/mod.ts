/**
 * @module
 * Several gateways as one (SPEC §9, DESIGN.md "Fan-out goes through a SessionBus"): the
 * `SessionBus` the Pico channel fans frames out through (`LocalSessionBus` in one process,
 * `RedisSessionBus` with `cluster.redis_url`), the session lease that keeps one instance at a
 * time on a session's agent, heartbeats for `/api/status`, and the `RedisLink` (Bun's
 * built-in Redis client, reconnecting with backoff) that `mod/history`'s Redis store writes
 * through too. `mod/app` chooses once.
 */

export { type ClusterStatus, LocalSessionBus, type SessionBus, type SessionLock } from "./bus.ts";
export { KEY_PREFIX, LEASE_WAIT_MS, RedisSessionBus, type RedisSessionBusOptions } from "./redis_bus.ts";
export {
  COMMAND_TIMEOUT_MS,
  MAX_IN_FLIGHT,
  MAX_IN_FLIGHT_BYTES,
  type RedisCommands,
  RedisLink,
  type RedisLinkOptions,
} from "./redis_link.ts";
